# primes: the primes below LIMIT by trial division, ten to a line: "primes: 2 3 5 ... 29".
# CPU-bound on purpose: it never yields, so it runs only as long as its time slices last.
# Each line is built in a buffer and written with one system call, so lines stay whole when
# other programs write at the same time.
    .include "../guestos/syscalls.inc"

    .equ LIMIT, 1000
    .equ PER_LINE, 10

    .text
    .globl _start
_start:
    li      s0, 2                       # candidate
    li      s1, 0                       # primes on the current line
    la      s2, line
    la      s3, line_start              # s3 = where the next number goes
    li      s4, LIMIT
next:
    bgeu    s0, s4, finish
    li      t0, 2                       # trial divisor
1:  mul     t1, t0, t0
    bgtu    t1, s0, prime               # no divisor up to sqrt: prime
    remu    t1, s0, t0
    beqz    t1, composite
    addi    t0, t0, 1
    j       1b
prime:
    li      t0, ' '
    sb      t0, 0(s3)
    addi    a0, s3, 1
    mv      a1, s0
    call    utoa                        # a0 = end of the digits
    mv      s3, a0
    addi    s1, s1, 1
    li      t0, PER_LINE
    bltu    s1, t0, composite
    call    flush
composite:
    addi    s0, s0, 1
    j       next
finish:
    beqz    s1, 2f
    call    flush
2:  li      a0, 0
    li      a7, SYS_EXIT
    ecall

# flush(): write the line (s2 .. s3) with a newline; start a new one
flush:
    li      t0, '\n'
    sb      t0, 0(s3)
    addi    s3, s3, 1
    li      a0, STDOUT
    mv      a1, s2
    sub     a2, s3, s2
    li      a7, SYS_WRITE
    ecall
    la      s3, line_start
    li      s1, 0
    ret

# utoa(a0 = buffer, a1 = value) -> a0 = the byte after the decimal digits written
utoa:
    mv      t2, a0
    li      t3, 10
1:  remu    t0, a1, t3                  # digits, last first
    addi    t0, t0, '0'
    sb      t0, 0(t2)
    addi    t2, t2, 1
    divu    a1, a1, t3
    bnez    a1, 1b
    mv      t0, a0                      # reverse them
    addi    t1, t2, -1
2:  bgeu    t0, t1, 3f
    lbu     t3, 0(t0)
    lbu     t4, 0(t1)
    sb      t4, 0(t0)
    sb      t3, 0(t1)
    addi    t0, t0, 1
    addi    t1, t1, -1
    j       2b
3:  mv      a0, t2
    ret

    .data
line:       .ascii "primes:"
line_start: .space 80
