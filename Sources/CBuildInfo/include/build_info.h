// The git commit a binary was built from, for `kac --version` and `kacd --version`. It is set only
// by `swift build -Xcc '-DKAC_COMMIT="<hash>"'` (systemd/install.sh does this); nothing is
// generated into the source tree, so no clone or CI build can carry a stale commit: they say
// "unknown".
#ifndef KAC_BUILD_INFO_H
#define KAC_BUILD_INFO_H

const char *kac_build_commit(void);

#endif
