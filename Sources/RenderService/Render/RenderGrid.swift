// The contact sheet `grid.png`: every image of a request, nearest-upscaled so cells are at least
// 84 px (a class name fits under a 28-px image only at an unreadable size), labelled by class.
// Layout: one label → rows of 8 labelled under each row; 2…16 labels → one column per label,
// named under the columns (label i sits in column i mod L); more → 10 columns without labels.
import Imaging
import Vocabulary

enum RenderGrid {
    static let minimumCellSide = 84

    static func sheet(_ cells: [Raster], plan: RenderPlan) throws -> Raster {
        guard let first = cells.first else { throw RenderError.invalidRequest("a grid needs at least one image") }
        let factor = max(1, (minimumCellSide + first.width - 1) / first.width)
        let scaled = try cells.map {
            try $0.upscaled(by: factor, configuration: UpscaleConfiguration(kernel: .nearest, maximumFactor: max(factor, 1)))
        }
        let cycle = plan.labelCycle
        let names = cycle.map { plan.classNames.name(of: $0) }
        let layout: ContactSheetLayout
        switch cycle.count {
        case 1:
            let columns = min(8, cells.count)
            let rows = (cells.count + columns - 1) / columns
            layout = ContactSheetLayout(columns: columns, labels: .underRows(Array(repeating: names[0], count: rows)))
        case 2...16:
            let columns = min(cycle.count, cells.count)
            layout = ContactSheetLayout(columns: columns, labels: .underColumns(Array(names.prefix(columns))))
        default:
            layout = ContactSheetLayout(columns: min(10, cells.count))
        }
        do {
            return try ContactSheet.render(scaled, layout: layout)
        } catch {
            throw RenderError.writeFailed(path: RenderPlan.gridName, reason: Reason(cause: error))
        }
    }
}
