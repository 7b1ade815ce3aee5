// Label text, fitted to a box by choosing among a fixed ladder of font sizes, at one resolution.
// Both are there because of pango 1.50 (Debian 12), which renders libvips' text:
// - Changing a font map's resolution clears its caches, which restarts its fontconfig thread while
//   the old one may still hold patterns; freeing them edits the font map's hash table while the
//   drawing thread reads it (SIGFPE in g_hash_table_lookup: it crashed a CI run). libvips' autofit
//   fits text by changing the resolution at every probe, so labels are sized by the font's pixel
//   size instead, and the resolution stays at pangocairo's own 96 dpi (CVipsShim's kac_text).
// - Pango keeps 256 fontsets, one per size; an evicted one can be freed on that same thread the
//   same way. Sizes come from `pixelSizes` only, so no process ever needs more than that many.

public enum LabelText {
    /// Every font size (pixels) a label is ever drawn at: 5 % apart, from 1 to about 400.
    public static let pixelSizes: [Double] = {
        var sizes: [Double] = []
        var size = 1.0
        while size < 400 {
            sizes.append((size * 100).rounded() / 100)
            size *= 1.05
        }
        return sizes
    }()

    /// The largest of `pixelSizes` at which `text` in `font` (a family, e.g. "DejaVu Sans") fits
    /// width × height pixels, or nil when even the smallest does not.
    public static func fittingSize(
        _ text: String, font: String, width: Int, height: Int
    ) throws(ImagingError) -> Double? {
        // Binary search: pixelSizes[fits] fits (or fits == -1), pixelSizes[tooLarge] does not.
        var fits = -1
        var tooLarge = pixelSizes.count
        while tooLarge - fits > 1 {
            let middle = (fits + tooLarge) / 2
            let mask = try VipsImageHandle.text(text, font: description(font, pixelSizes[middle]))
            if mask.width <= width && mask.height <= height { fits = middle } else { tooLarge = middle }
        }
        return fits >= 0 ? pixelSizes[fits] : nil
    }

    /// A one-band ink mask (255 = ink) of `text` on one line in `font` at `pixelSize`, one of
    /// `pixelSizes`; as large as the text's extents.
    public static func mask(_ text: String, font: String, pixelSize: Double) throws(ImagingError) -> Raster {
        precondition(pixelSizes.contains(pixelSize), "labels are drawn only at LabelText.pixelSizes")
        return try VipsImageHandle.text(text, font: description(font, pixelSize)).raster()
    }

    /// A Pango font description: the family, then the size in pixels ("DejaVu Sans 11.58px").
    static func description(_ font: String, _ pixelSize: Double) -> String { "\(font) \(pixelSize)px" }
}
