// Upscaling dimensions and pixel replication, and contact sheet geometry, cell placement and labels.
import Imaging
import Testing
import Vocabulary

@Suite struct UpscaleTests {
    @Test(arguments: [1, 2, 4, 16], [UpscaleFilter.nearest, .lanczos])
    func upscaledDimensions(factor: Int, kernel: UpscaleFilter) throws {
        for channels in [1, 3] {
            let raster = try Fixtures.raster(channels: channels)
            let scaled = try raster.upscaled(by: factor, configuration: UpscaleConfiguration(kernel: kernel))
            #expect(scaled.width == 28 * factor && scaled.height == 28 * factor && scaled.channels == channels)
        }
    }

    @Test func nearestReplicatesEveryPixelIntoABlock() throws {
        let raster = try Fixtures.raster(width: 7, height: 5, channels: 3)
        let scaled = try raster.upscaled(by: 3)
        for y in 0..<scaled.height {
            for x in 0..<scaled.width {
                for c in 0..<3 { #expect(scaled[x, y, c] == raster[x / 3, y / 3, c], "(\(x), \(y), \(c))") }
            }
        }
    }

    @Test func lanczosKeepsFlatImagesFlatAndSmoothsEdges() throws {
        let flat = try Raster.filled(width: 8, height: 8, channels: 1, value: 77)
        #expect(try flat.upscaled(by: 4, configuration: UpscaleConfiguration(kernel: .lanczos)).bytes.allSatisfy { $0 == 77 })
        // A hard vertical edge: nearest keeps two values, Lanczos produces intermediate ones.
        var edge = try Raster.filled(width: 8, height: 8, channels: 1, value: 0)
        for y in 0..<8 { for x in 4..<8 { edge[x, y, 0] = 255 } }
        let nearest = Set(try edge.upscaled(by: 4).bytes)
        let lanczos = Set(try edge.upscaled(by: 4, configuration: UpscaleConfiguration(kernel: .lanczos)).bytes)
        #expect(nearest == [0, 255])
        #expect(lanczos.count > 2)
    }

    @Test func factorsOutsideTheLimitAreRejected() throws {
        let raster = try Fixtures.raster()
        #expect(throws: ImagingError.scaleOutOfRange(factor: 0, maximum: 16)) { try raster.upscaled(by: 0) }
        #expect(throws: ImagingError.scaleOutOfRange(factor: 17, maximum: 16)) { try raster.upscaled(by: 17) }
        let limited = UpscaleConfiguration(kernel: .nearest, maximumFactor: 4)
        #expect(throws: ImagingError.scaleOutOfRange(factor: 5, maximum: 4)) { try raster.upscaled(by: 5, configuration: limited) }
        #expect(try raster.upscaled(by: 4, configuration: limited).width == 112)
    }
}

@Suite struct ContactSheetTests {
    static let classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"]

    @Test func geometryWithColumnLabels() throws {
        let layout = ContactSheetLayout(columns: 5, padding: 2, labels: .underColumns(Self.classes), labelHeight: 14)
        let geometry = try ContactSheetGeometry(count: 10, cellWidth: 28, cellHeight: 28, layout: layout)
        #expect(geometry.width == 2 + 5 * 30)
        #expect(geometry.height == 2 + 2 * 30 + 14 + 2)
        #expect(geometry.rows == 2)
        #expect(geometry.cells[0] == .init(x: 2, y: 2, width: 28, height: 28))
        #expect(geometry.cells[7] == .init(x: 2 + 2 * 30, y: 32, width: 28, height: 28))
        #expect(geometry.labelBoxes[4] == .init(x: 2 + 4 * 30, y: 62, width: 28, height: 14))
    }

    @Test func geometryWithRowLabelsAndPartialLastRow() throws {
        let layout = ContactSheetLayout(columns: 4, padding: 3, labels: .underRows(["Sneaker", "Bag", "Ankle boot"]), labelHeight: 10)
        let geometry = try ContactSheetGeometry(count: 9, cellWidth: 20, cellHeight: 16, layout: layout)
        let rowPitch = 16 + 3 + 10 + 3
        #expect(geometry.rows == 3)
        #expect(geometry.width == 3 + 4 * 23)
        #expect(geometry.height == 3 + 3 * rowPitch)
        #expect(geometry.cells[8] == .init(x: 3, y: 3 + 2 * rowPitch, width: 20, height: 16))
        #expect(geometry.labelBoxes[1] == .init(x: 3, y: 3 + rowPitch + 16 + 3, width: 4 * 23 - 3, height: 10))
    }

    @Test func renderPlacesEveryImageAndDrawsEveryLabel() throws {
        let images = try (0..<10).map { index in
            try Raster.filled(width: 28, height: 28, channels: 1, value: UInt8(20 + index * 20)).upscaled(by: 2)
        }
        let layout = ContactSheetLayout(columns: 5, padding: 2, background: 0, labels: .underColumns(Self.classes), labelHeight: 16)
        let sheet = try ContactSheet.render(images, layout: layout)
        let geometry = try ContactSheetGeometry(count: 10, cellWidth: 56, cellHeight: 56, layout: layout)
        #expect(sheet.width == geometry.width && sheet.height == geometry.height)
        for (image, cell) in zip(images, geometry.cells) {
            for y in 0..<cell.height {
                for x in 0..<cell.width where sheet[cell.x + x, cell.y + y, 0] != image[x, y, 0] {
                    Issue.record("cell at (\(cell.x), \(cell.y)) differs at (\(x), \(y))")
                    return
                }
            }
        }
        #expect(sheet[0, 0, 0] == 0 && sheet[1, 30, 0] == 0, "padding keeps the background")
        for (label, box) in zip(Self.classes, geometry.labelBoxes) {
            let ink = inkPixels(in: sheet, box: box, background: 0)
            #expect(ink > 5, "label \(label) has \(ink) ink pixels")
        }
    }

    @Test func lightBackgroundGetsDarkTextAndBlankLabelsStayBlank() throws {
        let images = try (0..<3).map { _ in try Raster.filled(width: 40, height: 40, channels: 3, value: 200) }
        let layout = ContactSheetLayout(columns: 3, padding: 1, background: 255, labels: .underColumns(["Bag", "", "Coat"]))
        let sheet = try ContactSheet.render(images, layout: layout)
        let geometry = try ContactSheetGeometry(count: 3, cellWidth: 40, cellHeight: 40, layout: layout)
        #expect(inkPixels(in: sheet, box: geometry.labelBoxes[0], background: 255) > 5)
        #expect(inkPixels(in: sheet, box: geometry.labelBoxes[1], background: 255) == 0)
        let box = geometry.labelBoxes[2]
        let darkest = (box.y..<(box.y + box.height)).flatMap { y in (box.x..<(box.x + box.width)).map { sheet[$0, y, 1] } }.min()
        #expect((darkest ?? 255) < 64, "text on a white sheet is dark")
    }

    @Test func inconsistentInputsAreRejected() throws {
        let small = try Raster.filled(width: 28, height: 28, channels: 1, value: 0)
        let large = try Raster.filled(width: 56, height: 56, channels: 1, value: 0)
        #expect(throws: ImagingError.self) { try ContactSheet.render([small, large], layout: ContactSheetLayout(columns: 2)) }
        #expect(throws: ImagingError.self) { try ContactSheet.render([], layout: ContactSheetLayout(columns: 2)) }
        #expect(throws: ImagingError.self) { try ContactSheet.render([small], layout: ContactSheetLayout(columns: 0)) }
        #expect(throws: ImagingError.self) {
            try ContactSheet.render([small, small], layout: ContactSheetLayout(columns: 2, labels: .underColumns(["only one"])))
        }
        #expect(throws: ImagingError.self) {
            try ContactSheet.render([small, small], layout: ContactSheetLayout(columns: 1, labels: .underRows(["a", "b", "c"])))
        }
    }

    @Test func sheetIsDeterministicAndEncodes() throws {
        let images = try (0..<4).map { _ in try Fixtures.raster(channels: 3) }
        let layout = ContactSheetLayout(columns: 2, labels: .underRows(["Shirt", "Sandal"]))
        let first = try ContactSheet.render(images, layout: layout)
        #expect(try ContactSheet.render(images, layout: layout) == first)
        let decoded = try ImageReader.read(bytes: try ImageEncoder.encode(first, as: .png()))
        #expect(decoded.raster == first)
    }

    @Test(arguments: [("Ankle boot", 40, 10), ("Bag", 120, 30), ("T-shirt/top", 56, 14)])
    func labelsGetTheLargestLadderSizeThatFits(label: String, width: Int, height: Int) throws {
        let font = ContactSheetLayout(columns: 1).font
        let size = try #require(try LabelText.fittingSize(label, font: font, width: width, height: height))
        let mask = try LabelText.mask(label, font: font, pixelSize: size)
        #expect(mask.width <= width && mask.height <= height && mask.bytes.contains { $0 > 0 })
        let index = try #require(LabelText.pixelSizes.firstIndex(of: size))
        let larger = try LabelText.mask(label, font: font, pixelSize: LabelText.pixelSizes[index + 1])
        #expect(larger.width > width || larger.height > height, "\(LabelText.pixelSizes[index + 1]) px fits too")
        #expect(try LabelText.fittingSize(label, font: font, width: 1, height: 1) == nil)
    }

    /// Pango 1.50 clears a font map's caches when its resolution changes, and the fontconfig thread
    /// it restarts can then edit the font map's hash table while the drawing thread reads it
    /// (SIGFPE in g_hash_table_lookup, seen in CI; fitting by libvips' autofit crashed this test
    /// one run in three). Hundreds of strip sizes must draw, using fewer font sizes than pango's
    /// 256-entry fontset cache.
    @Test func labelsInHundredsOfStripSizesNeverExhaustPangosFontCache() throws {
        let images = try (0..<2).map { _ in try Raster.filled(width: 30, height: 30, channels: 1, value: 90) }
        for height in 6...40 {
            for width in stride(from: 30, through: 110, by: 10) {
                let cells = try images.map { try Raster.filled(width: width, height: 30, channels: 1, value: $0[0, 0, 0]) }
                let layout = ContactSheetLayout(columns: 2, labels: .underColumns(["Sneaker \(width)", "Bag"]), labelHeight: height)
                let sheet = try ContactSheet.render(cells, layout: layout)
                let geometry = try ContactSheetGeometry(count: 2, cellWidth: width, cellHeight: 30, layout: layout)
                #expect(inkPixels(in: sheet, box: geometry.labelBoxes[1], background: 0) > 0, "\(width)×\(height)")
            }
        }
        #expect(LabelText.pixelSizes.count < 128, "at most this many font sizes per font, far under pango's 256")
    }

    private func inkPixels(in sheet: Raster, box: ContactSheetGeometry.Box, background: UInt8) -> Int {
        var count = 0
        for y in box.y..<(box.y + box.height) {
            for x in box.x..<(box.x + box.width) where sheet[x, y, 0] != background { count += 1 }
        }
        return count
    }
}
