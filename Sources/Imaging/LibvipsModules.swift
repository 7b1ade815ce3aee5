// libvips' dynamically loaded format modules (Debian 12's libvips 8.14: heif, jxl, magick,
// openslide, poppler) are loaded when libvips starts, pulling in ImageMagick, poppler and their
// libraries: 12 ms of every process's start-up on the 2-core bench machine, and memory. A process
// that only writes PNG, JPEG, WebP and TIFF (built into libvips, as are SVG and text) starts
// without them: `kac render` and kacd, through RenderProcess.tune. Training (`kac train --data`,
// which may read any format libvips can) keeps them. A VIPSHOME in the environment still wins (an
// operator's, or one inherited from a parent process that started libvips, which sets it).
import CVipsShim

public enum LibvipsModules {
    /// Starts libvips without its modules; returns whether that took effect (false when libvips
    /// had started already in this process or VIPSHOME is set). Call at start-up, before anything
    /// encodes.
    @discardableResult
    public static func skip() -> Bool { kac_vips_skip_modules() == 1 }

    /// Whether operations that only modules provide (heifload, magickload, …) are loaded; starts
    /// libvips if it has not started.
    public static var loaded: Bool {
        get throws(ImagingError) {
            switch kac_vips_modules_loaded() {
            case 1: return true
            case 0: return false
            default: throw ImagingError.libraryUnavailable(reason: VipsImageHandle.lastError())
            }
        }
    }
}
