// A request checked against a model: resolved sampler settings, one planned file per image
// (`NNNN-<class>.<ext>`), and the fingerprint that decides whether files already in the output
// directory belong to this request and may be kept (resume at image granularity).
import Generation
import Imaging
import ModelStore
import Vocabulary

/// One image of a plan.
public struct PlannedImage: Sendable, Equatable {
    /// Position in the request; the prior of image `index` is drawn from stream `index` of the seed.
    public let index: Int
    public let label: Int
    public let className: String
    /// `NNNN-<class>.<ext>`, zero-padded to at least four digits; the class as `ClassNames.filePart`
    /// writes it (the name itself when it is plain ASCII, as every Fashion-MNIST name is).
    public let file: String
}

public struct RenderPlan: Sendable {
    public let request: RenderRequest
    public let settings: SamplingSettings
    public let images: [PlannedImage]
    /// `grid.png` when the request asks for a contact sheet.
    public let gridFile: String?
    /// The model the plan was made for.
    public let modelName: String
    public let modelVersion: Int
    public let modelDigest: Digest
    /// The arithmetic the model samples in (the renderer's model decides; see `ZooVelocityModel.inPrecision`).
    public let precision: Precision
    /// The model's classes; image labels index into them.
    public let classNames: ClassNames
    /// The request's labels as indices, cycled over the images (every class when it gave none).
    public let labelCycle: [Int]
    /// Every input that shapes output bytes, as one line; stored as `.kac-render` in the output directory.
    public let fingerprint: String

    public static let fingerprintFile = ".kac-render"
    public static let gridName = "grid.png"

    /// The provenance written into image `image`.
    func metadata(for image: PlannedImage) throws(ImagingError) -> ImageMetadata {
        withPrecision(
            try ImageMetadata.provenance(
                model: modelName, modelVersion: String(modelVersion), modelDigest: modelDigest.description, seed: request.seed,
                index: image.index, label: image.className, sampler: settings.integrator.rawValue, steps: settings.steps,
                guidance: settings.guidance))
    }

    /// `metadata` with `precision=fp32|bf16` inserted after `guidance` (before `software`).
    private func withPrecision(_ metadata: ImageMetadata) -> ImageMetadata {
        var pairs = metadata.entries.map { (key: $0.key, value: $0.value) }
        let position = pairs.firstIndex { $0.key == "software" } ?? pairs.count
        pairs.insert((key: "precision", value: precision.rawValue), at: position)
        // The key is new and valid, the other entries were already validated: this cannot throw.
        return (try? ImageMetadata(pairs)) ?? metadata
    }

    /// The provenance written into grid.png: the request's, with the cycle of labels.
    func gridMetadata() throws(ImagingError) -> ImageMetadata {
        withPrecision(
            try ImageMetadata.sheetProvenance(
                model: modelName, modelVersion: String(modelVersion), modelDigest: modelDigest.description, seed: request.seed,
                images: images.count, labels: labelCycle.map { classNames.name(of: $0) }, sampler: settings.integrator.rawValue,
                steps: settings.steps, guidance: settings.guidance))
    }
}

extension Renderer {
    /// Checks `request` against the model and `limits`; nothing is written.
    /// `defaults` replaces the manifest's sampler defaults (e.g. a selected evaluation setting).
    public func plan(_ request: RenderRequest, defaults: SamplingSettings? = nil) throws(RenderError) -> RenderPlan {
        let manifest = model.manifest
        let shape = model.architecture.sampleShape
        guard shape.count == 3, [1, 3].contains(shape[2]) else {
            throw RenderError.modelUnavailable(
                reference: model.label,
                reason:
                    shape.count == 3
                    ? "it generates images with \(shape[2]) channels; only grey (1) and RGB (3) images can be written"
                    : "it generates \(shape)-dimensional points, not images; choose an image model (a UNet teacher or student)"
            )
        }
        guard (1...limits.maximumCount).contains(request.count) else {
            throw RenderError.invalidRequest(
                "count \(request.count) is outside 1…\(limits.maximumCount); ask for fewer images per request or raise the limit")
        }
        let classNames = model.classNames
        let labelCycle: [Int]
        if let labels = request.labels {
            guard !labels.isEmpty else {
                throw RenderError.invalidRequest("labels is empty; give at least one label or leave it out to cycle all classes")
            }
            do { labelCycle = try classNames.resolve(labels, model: model.label) } catch {
                throw RenderError.invalidRequest(error.description)
            }
        } else {
            labelCycle = Array(0..<classNames.count)
        }
        guard (1...limits.maximumScale).contains(request.scale) else {
            throw RenderError.invalidRequest(
                "scale \(request.scale) is outside 1…\(limits.maximumScale); choose a smaller factor or raise the limit")
        }
        switch request.encoding {
        case .jpeg(let quality), .webp(let quality, _):
            guard (1...100).contains(quality) else { throw RenderError.invalidRequest("quality \(quality) is outside 1…100") }
        case .png, .tiff: break
        }
        let settings = request.settings(defaults: defaults ?? model.defaults)
        guard (1...limits.maximumSteps).contains(settings.steps) else {
            throw RenderError.invalidRequest("steps \(settings.steps) is outside 1…\(limits.maximumSteps)")
        }
        guard settings.guidance.isFinite, (0...limits.maximumGuidance).contains(settings.guidance) else {
            throw RenderError.invalidRequest("guidance \(settings.guidance) is outside 0…\(limits.maximumGuidance)")
        }
        let digits = max(4, String(request.count - 1).count)
        let images = (0..<request.count).map { index -> PlannedImage in
            let label = labelCycle[index % labelCycle.count]
            let number = String(index)
            let file =
                String(repeating: "0", count: digits - number.count) + number + "-" + classNames.filePart(of: label) + "."
                + request.encoding.fileExtension
            return PlannedImage(index: index, label: label, className: classNames.name(of: label), file: file)
        }
        let fingerprint = [
            "schema=1", "model=\(manifest.blob)", "sampler=\(settings.integrator.rawValue)", "steps=\(settings.steps)",
            "guidance=\(settings.guidance)", "seed=\(request.seed)", "labels=\(labelCycle.map(String.init).joined(separator: ","))",
            "format=\(request.encoding)", "scale=\(request.scale)", "upscale=\(request.upscale.rawValue)",
            "precision=\(model.precision.rawValue)",
            // The software string is part of the fingerprint: a new version re-renders (its bytes differ).
            "software=\(KacVersion.software)",
        ].joined(separator: " ")
        return RenderPlan(
            request: request, settings: settings, images: images, gridFile: request.grid ? RenderPlan.gridName : nil,
            modelName: manifest.name.description, modelVersion: manifest.version, modelDigest: manifest.blob,
            precision: model.precision, classNames: classNames, labelCycle: labelCycle, fingerprint: fingerprint)
    }
}
