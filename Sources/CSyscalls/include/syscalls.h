// Linux system calls that Glibc's Swift module does not expose.
#ifndef KAC_SYSCALLS_H
#define KAC_SYSCALLS_H

/// renameat2(old, new, RENAME_NOREPLACE) relative to the working directory: renames only if `to`
/// does not exist, atomically. Returns 0, or -1 with errno (EEXIST, ENOENT, or EINVAL/ENOSYS where
/// the file system or kernel cannot do it).
int kac_rename_noreplace(const char *from, const char *to);

/// renameat2(from_dir, from, to_dir, to, RENAME_NOREPLACE): the same, with each name relative to
/// an open directory descriptor, so no symlink in a parent path is followed.
int kac_renameat_noreplace(int from_dir, const char *from, int to_dir, const char *to);

/// syncfs(fd): flushes the whole file system holding `fd` to disk (one flush for many files).
/// Returns 0, or -1 with errno.
int kac_syncfs(int fd);

#endif
