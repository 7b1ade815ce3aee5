// Integer-factor upscaling of a raster through libvips: nearest neighbour (vips_zoom, every source
// pixel becomes an exact factor × factor block) or Lanczos-3 (vips_resize, smooth, may ring).
// Invariant: the output is exactly (width × factor) × (height × factor) with the same channel count.
import Vocabulary

/// Upscaling options; `maximumFactor` bounds memory use per request.
public struct UpscaleConfiguration: Sendable, Equatable {
    public var kernel: UpscaleFilter
    public var maximumFactor: Int

    public static let defaultMaximumFactor = 16

    public init(kernel: UpscaleFilter = .nearest, maximumFactor: Int = UpscaleConfiguration.defaultMaximumFactor) {
        self.kernel = kernel
        self.maximumFactor = maximumFactor
    }
}

extension Raster {
    /// The raster enlarged `factor` times in each direction. Factor 1 returns `self` unchanged.
    /// Throws `scaleOutOfRange` outside 1…configuration.maximumFactor.
    public func upscaled(by factor: Int, configuration: UpscaleConfiguration = UpscaleConfiguration()) throws(ImagingError) -> Raster {
        guard factor >= 1, factor <= configuration.maximumFactor else {
            throw ImagingError.scaleOutOfRange(factor: factor, maximum: configuration.maximumFactor)
        }
        if factor == 1 { return self }
        let source = try VipsImageHandle(copying: self)
        let result: VipsImageHandle
        switch configuration.kernel {
        case .nearest: result = try source.zoomed(by: factor)
        case .lanczos: result = try source.resizedLanczos3(by: Double(factor))
        }
        let scaled = try result.raster()
        // vips_resize rounds its output size; for integer factors it is exact, and we rely on that.
        guard scaled.width == width * factor, scaled.height == height * factor else {
            throw ImagingError.vips(
                operation: "resize",
                message: "produced \(scaled.width)×\(scaled.height), "
                    + "expected \(width * factor)×\(height * factor)")
        }
        return scaled
    }
}
