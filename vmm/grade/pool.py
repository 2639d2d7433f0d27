"""The process pool: each job in a child process of its own, at most ``workers`` at a time.

A job is a function and its arguments, run in a forked child that first limits its own address
space (RLIMIT_AS: an allocation past it fails with MemoryError instead of growing) and core
dumps, and sends back one small dict through a pipe. The parent kills a child that passes its
deadline and reports a child that dies without answering, so a submission that crashes the
interpreter, allocates without end or spins where no instruction bound reaches ends its own
job and no other. A child per job (not a long-lived worker) also means nothing one submission
leaves behind -- imported strategy files, translated code, memory -- reaches the next.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import wait

POLL = 0.05                  # seconds between looks at running jobs' deadlines


@dataclass
class Job:
    key: tuple               # where its result goes
    function: object         # called in the child: function(*args) -> dict
    args: tuple
    memory: int              # address-space limit of the child, bytes
    deadline: float          # seconds of wall-clock time before the child is killed


def _child(conn, job: Job) -> None:
    try:
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = job.memory if hard == resource.RLIM_INFINITY else min(job.memory, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
            answer = job.function(*job.args)
        except MemoryError:
            answer = {"outcome": "error", "message": f"ran out of memory (the limit is {job.memory >> 20} MiB)"}
        except RecursionError:
            answer = {"outcome": "error", "message": "ran out of stack (recursion too deep)"}
        except BaseException as e:    # noqa: BLE001 -- anything a submission's code raises
            answer = {"outcome": "error", "message": f"internal error: {type(e).__name__}: {e}"}
        conn.send(answer)
    except BaseException:             # not even the answer could be sent (out of memory)
        pass
    finally:
        conn.close()
        os._exit(0)


def run_jobs(jobs: list[Job], workers: int, done=None) -> dict:
    """Run every job; {job.key: its dict}. ``done(key, answer)`` is called as each finishes."""
    context = multiprocessing.get_context("fork")
    pending = deque(jobs)
    running: dict = {}                # reader -> (process, job, started)
    answers = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                job = pending.popleft()
                reader, writer = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(writer, job), daemon=True)
                process.start()
                writer.close()
                running[reader] = (process, job, time.monotonic())
            wait(list(running) + [p.sentinel for p, _, _ in running.values()], timeout=POLL)
            now = time.monotonic()
            for reader in list(running):
                process, job, started = running[reader]
                answer = None
                if reader.poll():
                    try:
                        answer = reader.recv()
                    except (EOFError, OSError):
                        answer = _died(process)
                elif not process.is_alive():
                    answer = _died(process)
                elif now - started > job.deadline:
                    process.kill()
                    answer = {"outcome": "fail", "stopped": "timeout", "status": 124,
                              "message": f"the run ran out of time (killed after {job.deadline:g} s)"}
                if answer is None:
                    continue
                process.join()
                reader.close()
                del running[reader]
                answers[job.key] = answer
                if done is not None:
                    done(job.key, answer)
    finally:
        for process, _, _ in running.values():   # interrupted: leave no child behind
            process.kill()
            process.join()
    return answers


def _died(process) -> dict:
    process.join(1)
    code = process.exitcode
    why = f"signal {-code}" if code is not None and code < 0 else f"exit status {code}"
    return {"outcome": "error", "message": f"the run's process died ({why}) without an answer"}
