// The one version of Kac. `kac --version`, `kacd --version`, the `software` field of every image's
// metadata (EXIF, PNG, XMP, grid.png) and `kacd --print-config` all say it the same way, built here.
// The git commit is not known to the sources: `kacd`/`kac` take it from the CBuildInfo C target,
// which the install script builds with `-Xcc -DKAC_COMMIT=<hash>`; any other build says "unknown".

public enum KacVersion {
    /// The release number of this source tree (semantic versioning). Change it here only.
    public static let version = "0.2.0"

    /// What every written image records as its `software`. Deliberately free of the commit and of a
    /// trailing parenthesis (libvips' EXIF writer drops a final " (…)" from ASCII tags): a rebuild
    /// of the same release writes byte-identical images.
    public static let software = "kac \(version)"

    /// The `--version` text of `tool` (`kac` or `kacd`): one `key: value` fact per line.
    public static func report(tool: String, commit: String, blasCore: String) -> String {
        "\(tool) \(version)\ncommit: \(commit)\nOpenBLAS core: \(blasCore)"
    }
}
