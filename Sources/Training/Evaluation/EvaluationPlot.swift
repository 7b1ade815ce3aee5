// The evaluation plot as an SVG document: quality (Fréchet distance, or sliced Wasserstein for 2-D
// data) against network evaluations per image on a log x axis, one polyline per model × sampler ×
// guidance, with axes, decade ticks, axis labels and a legend. Pure text; Imaging rasterises it.
// The y axis turns logarithmic when the values span more than a factor of 20 (1-step vs 100-step).
import Foundation

public struct PlotSeries: Sendable, Equatable {
    public var name: String
    /// (x, y) sorted by x; x > 0.
    public var points: [(x: Double, y: Double)]

    public init(name: String, points: [(x: Double, y: Double)]) {
        self.name = name
        self.points = points.sorted { $0.x < $1.x }
    }

    public static func == (lhs: PlotSeries, rhs: PlotSeries) -> Bool {
        lhs.name == rhs.name && lhs.points.elementsEqual(rhs.points) { $0.x == $1.x && $0.y == $1.y }
    }
}

public struct EvaluationPlot: Sendable {
    public var series: [PlotSeries]
    public var title: String
    public var yLabel: String
    public var width = 900, height = 560

    public init(series: [PlotSeries], title: String, yLabel: String) {
        self.series = series
        self.title = title
        self.yLabel = yLabel
    }

    /// One series per (model, sampler, guidance) of `rows`; y is FD if present, else sliced Wasserstein.
    public init(rows: [EvaluationRow], title: String) {
        let usesFrechet = rows.contains { $0.frechetDistance != nil }
        let showGuidance = Set(rows.map(\.guidance)).count > 1
        let showModel = Set(rows.map(\.model)).count > 1
        var order: [String] = []
        var points: [String: [(x: Double, y: Double)]] = [:]
        for row in rows {
            guard let y = usesFrechet ? row.frechetDistance : row.slicedWasserstein, y.isFinite,
                row.networkEvaluations > 0
            else { continue }
            let name = [
                showModel ? row.model : nil, row.integrator.rawValue,
                showGuidance ? String(format: "s=%g", row.guidance) : nil,
            ].compactMap { $0 }.joined(separator: " ")
            if points[name] == nil { order.append(name) }
            points[name, default: []].append((Double(row.networkEvaluations), y))
        }
        self.init(
            series: order.map { PlotSeries(name: $0, points: points[$0] ?? []) }, title: title,
            yLabel: usesFrechet ? "Fréchet distance (classifier features)" : "sliced Wasserstein distance")
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// Room right of the plot for the legend: a line sample and the longest name (13 px text is
    /// about 8 px per character), at least 220 px. The canvas grows by what exceeds that.
    public var legendWidth: Double { max(220, 60 + 8 * Double(series.map(\.name.count).max() ?? 0)) }

    public func svg() -> String {
        let left = 90.0, right = legendWidth, top = 50.0, bottom = 70.0
        let width = self.width + Int(right - 220)
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let all = series.flatMap(\.points)
        let xs = LogAxis(values: all.map(\.x))
        let ys = all.isEmpty ? Axis.linear(0, 1) : Axis.fitting(all.map(\.y))
        func px(_ x: Double) -> Double { left + xs.fraction(x) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - ys.fraction(y)) * plotHeight }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="DejaVu Sans, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(Double(width) / 2))" y="30" font-size="17" text-anchor="middle">\(escape(title))</text>\n
            """
        for tick in xs.ticks {
            let x = px(tick)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotHeight))\" stroke=\"#e0e0e0\"/>\n"
            out +=
                "<text x=\"\(f(x))\" y=\"\(f(top + plotHeight + 20))\" font-size=\"13\" text-anchor=\"middle\">\(Self.label(tick))</text>\n"
        }
        for tick in ys.ticks {
            let y = py(tick)
            out += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#e0e0e0\"/>\n"
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" font-size=\"13\" text-anchor=\"end\">\(Self.label(tick))</text>\n"
        }
        out +=
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"black\"/>\n"
        out +=
            "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(Double(height) - 20))\" font-size=\"15\" text-anchor=\"middle\">network evaluations per image (log scale)</text>\n"
        let yTitle = escape(yLabel + (ys.isLogarithmic ? " (log scale)" : ""))
        out +=
            "<text x=\"22\" y=\"\(f(top + plotHeight / 2))\" font-size=\"15\" text-anchor=\"middle\" transform=\"rotate(-90 22 \(f(top + plotHeight / 2)))\">\(yTitle)</text>\n"
        for (index, line) in series.enumerated() {
            let color = Self.colors[index % Self.colors.count]
            let coordinates = line.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            // Lines of different samplers often coincide; later series are dashed so both stay visible.
            let dash = ["", " stroke-dasharray=\"8 4\"", " stroke-dasharray=\"3 3\""][(index / 2) % 3]
            out += "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
            for point in line.points {
                out += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"3.5\" fill=\"\(color)\"/>\n"
            }
            let legendY = top + 10 + Double(index) * 22
            out +=
                "<line x1=\"\(f(left + plotWidth + 15))\" y1=\"\(f(legendY))\" x2=\"\(f(left + plotWidth + 40))\" y2=\"\(f(legendY))\" stroke=\"\(color)\" stroke-width=\"3\"\(dash)/>\n"
            out += "<text x=\"\(f(left + plotWidth + 46))\" y=\"\(f(legendY + 5))\" font-size=\"13\">\(escape(line.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// "1", "20", "0.5", "1e+03"-free short tick labels.
    static func label(_ value: Double) -> String {
        if value >= 1, value == value.rounded(), value < 1e6 { return String(Int(value)) }
        return String(format: "%g", value)
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
