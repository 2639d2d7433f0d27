# crt0: where a C program starts under guestos. The kernel enters _start in user mode with sp
# 16-byte aligned near the top of the stack (argc = 0, argv = envp = NULL above it) and every
# other register zero. main's result becomes the exit status.
    .text
    .globl _start
_start:
    li      a0, 0                       # argc
    li      a1, 0                       # argv
    call    main
    tail    exit
