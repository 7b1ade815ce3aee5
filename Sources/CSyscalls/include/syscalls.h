// Linux system calls that Glibc's Swift module does not expose.
#ifndef KAC_SYSCALLS_H
#define KAC_SYSCALLS_H

/// renameat2(old, new, RENAME_NOREPLACE) relative to the working directory: renames only if `to`
/// does not exist, atomically. Returns 0, or -1 with errno (EEXIST, ENOENT, or EINVAL/ENOSYS where
/// the file system or kernel cannot do it).
int kac_rename_noreplace(const char *from, const char *to);

#endif
