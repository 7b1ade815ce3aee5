// libvips runs every image's pipeline (make the image, attach metadata, encode) on a pool of worker
// threads, as many as the CPUs by default. For the renderer's images (28×28 to a few hundred pixels,
// encoded one after another on the writer thread while the network keeps every core busy) that pool
// only adds hand-offs between threads (`kac-bench` prints a 28×28 PNG's CPU time both ways: 333–371
// µs with two workers, 248–287 µs with one, on the 2-core bench machine). Call once at start-up from an
// executable that encodes many small images; libraries never change it on their own. An operator's
// VIPS_CONCURRENCY still wins.
import CVipsShim

public enum PipelineThreads {
    /// One libvips worker thread per pipeline (unless VIPS_CONCURRENCY says otherwise).
    public static func useOnePerImage() throws(ImagingError) {
        guard kac_vips_set_pipeline_threads(1) == 0 else {
            throw ImagingError.libraryUnavailable(reason: VipsImageHandle.lastError())
        }
    }

    /// The worker threads each libvips pipeline uses now.
    public static var current: Int { Int(kac_vips_pipeline_threads()) }
}
