"""``toyvm grade``: many submissions against a suite of test cases, in parallel, each run in a
process of its own with bounds on instructions, wall-clock time and memory (docs/grading.md).

    cases.py        the suite: a TOML file of test cases, checked key by key
    submissions.py  what a submission is (an image, sources, a directory, a Python file) and its build
    checks.py       one run's verdict: expected output and status, or the teacher's check function
    pool.py         the process pool: a child process per job, its limits, its deadline
    grader.py       the jobs of a grading and their results, in a fixed order
    report.py       the results as JSON, CSV, JUnit XML and a summary table
"""
