// `kac eval --plot FILE`: the evaluation plot rasterised (Imaging) and written as a PNG.
import Foundation
import Imaging

extension EvaluationPlot {
    /// `kac eval --plot FILE`: the rows' quality against network evaluations as a PNG, titled with
    /// the sample count and the judge's file name.
    public static func write(_ rows: [EvaluationRow], judge: String, sampleCount: Int, to path: String) throws {
        let judgeName = (judge as NSString).lastPathComponent
        let title = "Quality vs network evaluations: \(sampleCount) samples, judged by \(judgeName)"
        let raster = try SVGRaster.render(EvaluationPlot(rows: rows, title: title).svg())
        try ImageEncoder.write(raster, as: .png(), to: path)
    }
}
