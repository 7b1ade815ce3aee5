// Turning generated samples (Tensor [N, H, W, C] in [−1, 1]) into 8-bit rasters and contact sheets:
// the last step of generation, here so the renderer (`kac render`, kacd) and training previews
// (`kac train`, `kac dataset split`) quantise the same way without the trainer linking the daemon's
// services. The quantisation rule itself is Imaging's `Raster(quantizing:)`.
import Imaging
import TensorCore

public enum SampleImages {
    /// Sample `index` of a batch as a raster (values clamped to [−1, 1], rounded to 8 bits).
    public static func raster(_ samples: Tensor, index: Int) throws -> Raster {
        precondition(samples.rank == 4 && index < samples.shape[0], "SampleImages: need [N, H, W, C], got \(samples.shape)")
        let (height, width, channels) = (samples.shape[1], samples.shape[2], samples.shape[3])
        let size = height * width * channels
        let pixels = Array(samples.scalars[(index * size)..<((index + 1) * size)])
        return try Raster(quantizing: pixels, width: width, height: height, channels: channels)
    }

    /// A grid of every sample, `columns` wide, optionally labelled under each column.
    public static func contactSheet(
        _ samples: Tensor, columns: Int, columnLabels: [String]? = nil,
        upscale: Int = 1
    ) throws -> Raster {
        var rasters = try (0..<samples.shape[0]).map { try raster(samples, index: $0) }
        if upscale > 1 { rasters = try rasters.map { try $0.upscaled(by: upscale) } }
        let labels: LabelPlacement = columnLabels.map { .underColumns($0) } ?? .none
        return try ContactSheet.render(rasters, layout: ContactSheetLayout(columns: columns, labels: labels))
    }
}
