// Vocabulary's names as command-line values: `--sampler`, `--format`, `--upscale`, `--schedule` and `--quality`
// parse into the same enums job files and manifests use, and `--help` lists the allowed values.
import ArgumentParser
import Vocabulary

extension Integrator: ExpressibleByArgument {}
extension SignalSchedule: ExpressibleByArgument {}
extension UpscaleFilter: ExpressibleByArgument {}
extension QualityPreset: ExpressibleByArgument {}
extension PrecisionSetting: ExpressibleByArgument {}

extension ImageFormat: ExpressibleByArgument {
    /// Also accepts the file extensions `jpg` and `tif`, in any case.
    public init?(argument: String) {
        let text = argument.lowercased()
        guard let format = ImageFormat(rawValue: text) ?? ImageFormat.allCases.first(where: { $0.fileExtension == text }) else {
            return nil
        }
        self = format
    }
}
