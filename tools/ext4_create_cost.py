#!/usr/bin/env python3
"""What creating 1000 small files costs in CPU, fresh and right after deleting 7000 (dev-time tool).

    tools/ext4_create_cost.py DIR      # DIR: a scratch directory on the file system to measure

On an ext4 without a journal, a file created within minutes of deleting others scans past every
recently deleted inode (find_inode_bit → recently_deleted), so the second figure grows; on a
journalled ext4 or tmpfs the two are alike. Prints wall and CPU seconds (user + system).
"""
import os
import shutil
import sys
import time


def make(directory, count=1000):
    os.makedirs(directory)
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(count):
        fd = os.open(f"{directory}/{i:04d}.png", os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644)
        os.write(fd, b"x" * 900)
        os.close(fd)
    return time.perf_counter() - wall, time.process_time() - cpu


base = os.path.join(sys.argv[1], "ext4-create-cost")
shutil.rmtree(base, ignore_errors=True)
os.makedirs(base)
try:
    print("1000 files, fresh:               %.3f s wall, %.3f s CPU" % make(base + "/fresh"))
    make(base + "/many", 6000)
    os.sync()
    shutil.rmtree(base + "/many")
    shutil.rmtree(base + "/fresh")
    print("1000 files, after 7000 deletions: %.3f s wall, %.3f s CPU" % make(base + "/after"))
finally:
    shutil.rmtree(base, ignore_errors=True)
