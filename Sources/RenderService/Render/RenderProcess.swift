// Process-wide settings for an executable that renders (kac render, kac-bench render, kacd), made
// once at start-up: freed activation memory stays in the process (AllocatorTuning), and libvips
// encodes each small image on one worker thread instead of handing it between several
// (PipelineThreads). Libraries never change either on their own.
import Imaging
import TensorCore

public enum RenderProcess {
    public static func tune() {
        AllocatorTuning.retainLargeBlocks()
        // A libvips that does not start is reported where the first image is encoded, with the
        // render's exit code or the job's failure; nothing to add here.
        try? PipelineThreads.useOnePerImage()
    }
}
