// Vectorised exp and sigmoid for the elementwise layers (SiLU, softmax). libm's expf does not
// vectorise and would dominate SiLU; this is the Cephes expf polynomial written on SIMD8<Float>.
// Accuracy: relative error below 2e-7 on [−87, 88] (inputs are clamped there: exp underflows to
// ~1e-38 below, overflows above), checked against libm in the tests.

typealias Float8 = SIMD8<Float>

@inline(__always)
func fastExp(_ input: Float8) -> Float8 {
    let x = input.clamped(lowerBound: Float8(repeating: -87.3), upperBound: Float8(repeating: 88.3))
    // Round x·log2(e) to the nearest integer by adding 1.5·2^23: the integer lands in the low
    // mantissa bits, which also gives it to us as bits without a float→int conversion.
    let magic: Float = 12_582_912
    let shifted = x * 1.442_695_04 + magic
    let n = shifted - magic
    let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p = Float8(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    p = p * r * r + r + 1
    let integerBits = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(Float8(repeating: magic), to: SIMD8<Int32>.self)
    let scale = unsafeBitCast((integerBits &+ 127) &<< 23, to: Float8.self)
    return p * scale
}

@inline(__always)
func fastExp(_ x: Float) -> Float { fastExp(Float8(repeating: x))[0] }

@inline(__always)
func fastSigmoid(_ x: Float8) -> Float8 { 1 / (1 + fastExp(-x)) }

@inline(__always)
func load8(_ pointer: UnsafePointer<Float>) -> Float8 {
    UnsafeRawPointer(pointer).loadUnaligned(as: Float8.self)
}

@inline(__always)
func store8(_ value: Float8, _ pointer: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Float8.self)
}

/// Applies `body` to `count` scalars eight at a time; the tail goes through a zero-padded vector.
@inline(__always)
func mapVectors(
    count: Int, _ body: (_ offset: Int, _ lanes: Int) -> Void
) {
    var offset = 0
    while offset + 8 <= count { body(offset, 8); offset += 8 }
    if offset < count { body(offset, count - offset) }
}

@inline(__always)
func loadPartial(_ pointer: UnsafePointer<Float>, _ lanes: Int) -> Float8 {
    if lanes == 8 { return load8(pointer) }
    var v = Float8()
    for lane in 0..<lanes { v[lane] = pointer[lane] }
    return v
}

@inline(__always)
func storePartial(_ value: Float8, _ pointer: UnsafeMutablePointer<Float>, _ lanes: Int) {
    if lanes == 8 { store8(value, pointer); return }
    for lane in 0..<lanes { pointer[lane] = value[lane] }
}
