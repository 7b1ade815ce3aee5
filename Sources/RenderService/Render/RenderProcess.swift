// Process-wide settings for an executable that renders (kac render, kac-bench render, kacd), made
// once at start-up: freed activation memory stays in the process (AllocatorTuning), libvips starts
// without the format modules a renderer never uses (LibvipsModules) and encodes each small image on
// one worker thread instead of handing it between several (PipelineThreads). Libraries never change
// these on their own.
import Imaging
import TensorCore

public enum RenderProcess {
    public static func tune() {
        AllocatorTuning.retainLargeBlocks()
        LibvipsModules.skip()  // before PipelineThreads, whose call starts libvips
        // A libvips that does not start is reported where the first image is encoded, with the
        // render's exit code or the job's failure; nothing to add here.
        try? PipelineThreads.useOnePerImage()
    }
}
