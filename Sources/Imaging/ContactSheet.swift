// Contact sheets: equal-sized rasters laid out in a grid with padding, plus a label strip under
// every column or every row, rendered with libvips text (pango). Geometry is a value you can test.
// Invariant: a non-blank label either appears in the sheet or the render throws — a sheet is never
// silently written without its labels (e.g. on a machine with no fonts).

/// Where labels go.
public enum LabelPlacement: Sendable, Equatable {
    case none
    /// One label per column, in a strip under the whole grid (classes as columns).
    case underColumns([String])
    /// One label per row, in a strip under each row (classes as rows).
    case underRows([String])
}

/// Layout options for `ContactSheet.render`.
public struct ContactSheetLayout: Sendable, Equatable {
    public var columns: Int
    /// Gap in pixels around and between cells and label strips.
    public var padding: Int
    /// Background gray level; ink is white on dark backgrounds, black on light ones.
    public var background: UInt8
    public var labels: LabelPlacement
    /// Height of a label strip in pixels; text is fitted inside it.
    public var labelHeight: Int
    /// Pango font family (the size is chosen to fit the strip).
    public var font: String

    public init(
        columns: Int, padding: Int = 2, background: UInt8 = 0, labels: LabelPlacement = .none,
        labelHeight: Int = 14, font: String = "DejaVu Sans"
    ) {
        self.columns = columns
        self.padding = padding
        self.background = background
        self.labels = labels
        self.labelHeight = labelHeight
        self.font = font
    }
}

/// Pixel positions of cells and label boxes in a sheet.
public struct ContactSheetGeometry: Sendable, Equatable {
    public struct Box: Sendable, Equatable {
        public let x: Int, y: Int, width: Int, height: Int
        public init(x: Int, y: Int, width: Int, height: Int) {
            self.x = x
            self.y = y
            self.width = width
            self.height = height
        }
    }

    public let width: Int
    public let height: Int
    public let rows: Int
    public let columns: Int
    /// Top-left corner of each image, in input order.
    public let cells: [Box]
    /// One box per label, in label order.
    public let labelBoxes: [Box]

    /// Layout for `count` images of cellWidth × cellHeight. Throws on impossible parameters.
    public init(count: Int, cellWidth: Int, cellHeight: Int, layout: ContactSheetLayout) throws(ImagingError) {
        guard count > 0 else { throw ImagingError.invalidContactSheet(reason: "no images given.") }
        guard layout.columns > 0 else { throw ImagingError.invalidContactSheet(reason: "columns must be at least 1.") }
        guard layout.padding >= 0, layout.labelHeight > 0 else {
            throw ImagingError.invalidContactSheet(reason: "padding must be ≥ 0 and labelHeight > 0.")
        }
        let rows = (count + layout.columns - 1) / layout.columns
        let pad = layout.padding
        let strip = layout.labelHeight + pad
        // Distance from one image row to the next; rows with their own label strip are taller.
        var rowPitch = cellHeight + pad
        if case .underRows = layout.labels { rowPitch += strip }
        columns = layout.columns
        self.rows = rows
        let sheetWidth = pad + layout.columns * (cellWidth + pad)
        width = sheetWidth
        var height = pad + rows * rowPitch
        var labelBoxes: [Box] = []
        switch layout.labels {
        case .none:
            break
        case .underColumns(let labels):
            guard labels.count == layout.columns else {
                throw ImagingError.invalidContactSheet(reason: "\(labels.count) column labels for \(layout.columns) columns.")
            }
            labelBoxes = (0..<layout.columns).map {
                Box(x: pad + $0 * (cellWidth + pad), y: height, width: cellWidth, height: layout.labelHeight)
            }
            height += strip
        case .underRows(let labels):
            guard labels.count == rows else {
                throw ImagingError.invalidContactSheet(reason: "\(labels.count) row labels for \(rows) rows.")
            }
            labelBoxes = (0..<rows).map {
                Box(x: pad, y: pad + $0 * rowPitch + cellHeight + pad, width: sheetWidth - 2 * pad, height: layout.labelHeight)
            }
        }
        self.height = height
        self.labelBoxes = labelBoxes
        cells = (0..<count).map {
            Box(
                x: pad + ($0 % layout.columns) * (cellWidth + pad), y: pad + ($0 / layout.columns) * rowPitch,
                width: cellWidth, height: cellHeight)
        }
    }
}

public enum ContactSheet {
    /// Renders `images` (all the same size and channel count) into one raster.
    public static func render(_ images: [Raster], layout: ContactSheetLayout) throws(ImagingError) -> Raster {
        guard let first = images.first else { throw ImagingError.invalidContactSheet(reason: "no images given.") }
        for (index, image) in images.enumerated()
        where image.width != first.width || image.height != first.height || image.channels != first.channels {
            throw ImagingError.invalidContactSheet(
                reason: "image \(index) is \(image.width)×\(image.height)×\(image.channels), "
                    + "image 0 is \(first.width)×\(first.height)×\(first.channels); upscale all images alike.")
        }
        let geometry = try ContactSheetGeometry(count: images.count, cellWidth: first.width, cellHeight: first.height, layout: layout)
        var sheet = try Raster.filled(width: geometry.width, height: geometry.height, channels: first.channels, value: layout.background)
        for (image, cell) in zip(images, geometry.cells) {
            let rowBytes = image.width * image.channels
            for y in 0..<image.height {
                let target = ((cell.y + y) * sheet.width + cell.x) * sheet.channels
                sheet.bytes.replaceSubrange(target..<(target + rowBytes), with: image.bytes[(y * rowBytes)..<((y + 1) * rowBytes)])
            }
        }
        let labels: [String]
        switch layout.labels {
        case .none: labels = []
        case .underColumns(let names), .underRows(let names): labels = names
        }
        try drawLabels(labels, in: geometry.labelBoxes, on: &sheet, layout: layout)
        return sheet
    }

    /// Draws every non-blank label centred in its box, all at one font size: the largest at which
    /// every label fits its box (so "Bag" is not drawn bigger than "Ankle boot").
    static func drawLabels(
        _ labels: [String], in boxes: [ContactSheetGeometry.Box], on sheet: inout Raster,
        layout: ContactSheetLayout
    ) throws(ImagingError) {
        let drawn = zip(labels, boxes).filter { !$0.0.allSatisfy(\.isWhitespace) }
        var size = Double.infinity
        for (label, box) in drawn {
            guard let fitted = try LabelText.fittingSize(label, font: layout.font, width: box.width, height: box.height) else {
                throw ImagingError.textRenderingUnavailable(label: label, reason: "no font size fits the label strip")
            }
            size = min(size, fitted)
        }
        let ink: UInt8 = layout.background < 128 ? 255 : 0
        for (label, box) in drawn {
            let mask = try LabelText.mask(label, font: layout.font, pixelSize: size)
            guard mask.bytes.contains(where: { $0 > 0 }) else {
                throw ImagingError.textRenderingUnavailable(label: label, reason: "libvips rendered no visible glyphs")
            }
            draw(mask, centredIn: box, on: &sheet, ink: ink, background: layout.background)
        }
    }

    /// Blends a one-band ink mask into `sheet`, centred in `box` and clipped to it.
    static func draw(_ mask: Raster, centredIn box: ContactSheetGeometry.Box, on sheet: inout Raster, ink: UInt8, background: UInt8) {
        let originX = box.x + (box.width - mask.width) / 2
        let originY = box.y + (box.height - mask.height) / 2
        for y in 0..<mask.height {
            let sheetY = originY + y
            guard sheetY >= box.y, sheetY < box.y + box.height else { continue }
            for x in 0..<mask.width {
                let sheetX = originX + x
                guard sheetX >= box.x, sheetX < box.x + box.width else { continue }
                let alpha = Int(mask[x, y, 0])
                let value = UInt8((Int(background) * (255 - alpha) + Int(ink) * alpha + 127) / 255)
                for channel in 0..<sheet.channels { sheet[sheetX, sheetY, channel] = value }
            }
        }
    }
}
