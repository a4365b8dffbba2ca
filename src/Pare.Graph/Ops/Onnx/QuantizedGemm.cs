using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Pare.Core;
using Pare.Core.Kernels.Indexing;
using Pare.Core.Kernels.Pool;
using Pare.Core.Kernels.QGemm;

namespace Pare.Graph.Ops.Onnx;

/// <summary>Fast paths of MatMulInteger, QLinearMatMul, ConvInteger and QLinearConv on Core's integer GEMM
/// (<see cref="QGemm"/>): the weight operand is packed once per tensor (cached while the tensor lives), int8
/// activations are shifted to uint8 (x ⊕ 0x80 with the zero point + 128, exact), and the QLinear forms requantize
/// inside the GEMM. Returns null for the cases it does not cover (the plain loops of <see cref="IntegerOps"/> run).</summary>
internal static class QuantizedGemm
{
    private sealed record Packs(int[] ZeroPoints, QGemmPackedB[] Groups);

    private static readonly ConditionalWeakTable<Tensor, Packs> Cache = new();

    /// <summary>(A − za)·(B − zb): int32 when <paramref name="rq"/> is null, else requantized.</summary>
    public static Tensor? MatMul(OpContext c, Tensor a, Tensor? aZero, Tensor b, Tensor? bZero, Requant? rq)
    {
        if (a.Rank < 2 || b.Rank != 2 || !Is8Bit(a) || !Is8Bit(b)) return null;
        int k = a.Dim(-1), n = b.Dim(1), m = a.Count / Math.Max(k, 1);
        if (b.Dim(0) != k || k == 0) return null;
        var za = ZeroPoints(c, aZero, a.Rank == 2 ? m : 1, "a_zero_point");
        var zb = ZeroPoints(c, bZero, n, "b_zero_point");
        if (za is null || zb is null || (rq is not null && !rq.Fits(n))) return null;
        var packed = Pack(b, zb, 1, (bs, z) => bs.DType == DType.Int8
            ? QGemmPackedB.Pack(bs.Contiguous().AsSpan<sbyte>(), k, n, n, false, z)
            : QGemmPackedB.Pack(bs.Contiguous().AsSpan<byte>(), k, n, n, false, z))[0];
        var dims = a.Shape.Dims.ToArray();
        dims[^1] = n;
        var shape = new Shape(dims);
        // uint8 A is read in place; int8 A shifted into a pooled buffer (a fresh array per call made every run touch
        // new memory until the first GC: MLP b64 0.28 → 0.21 ms at 1 thread)
        byte[]? shifted = a.DType == DType.Int8 ? ArrayPool<byte>.Shared.Rent(a.Count) : null;
        try
        {
            ReadOnlySpan<byte> au8 = shifted is null ? a.Contiguous().AsSpan<byte>() : Shift(a, za, shifted);
            if (rq is null)
            {
                var y = TensorMemory.Uninitialized<int>(m * n);
                QGemm.Multiply(m, au8, k, za, packed, y, n);
                return Tensor.Wrap(y, shape);
            }
            var result = NewBytes(rq.Signed, m * n, shape, out var bytes);
            QGemm.MultiplyRequantize(m, au8, k, za, packed, rq.Bias, rq.Multipliers, rq.ZeroPoint, rq.Signed, bytes, n, 1);
            return result;
        }
        finally
        {
            if (shifted is not null) ArrayPool<byte>.Shared.Return(shifted);
        }
    }

    // int8 values as uint8 (⊕ 0x80) in dst, zero points shifted by +128 in place; returns the filled part of dst
    private static ReadOnlySpan<byte> Shift(Tensor t, int[] zeroPoints, byte[] dst)
    {
        var src = MemoryMarshal.AsBytes(t.Contiguous().AsSpan<sbyte>());
        var d = dst.AsSpan(0, src.Length);
        src.CopyTo(d);
        Flip(d);
        for (int i = 0; i < zeroPoints.Length; i++) zeroPoints[i] += 128;
        return d;
    }

    // 1×1 convs take the few-tap kernel only up to this many input channels: its vpmaddwd does 2 multiply-adds per
    // int32 lane against VNNI's 4, which the GEMM's transposes only repay at small K (rec at 2 threads: 16 → 32 on
    // 24×560 ~270 → ~160 us, 32 → 64 ~540 → ~330 us through the GEMM)
    private const int PointwiseMaxTaps = 8;

    /// <summary>2-D conv(x − xz, w − wz). Depthwise requantized convs (one input and one output channel per group) run
    /// <see cref="QDepthwiseConv"/> directly on NCHW. Otherwise the input is transposed to NHWC once, so that each
    /// row of the im2col matrix (one per output pixel of the whole batch; K = (ky, kx, c) values of the group) is
    /// a few contiguous copies of C bytes (none at all for a 1×1 stride-1 conv: the NHWC input is the matrix), the
    /// GEMM (rows = batch·pixels, columns = output channels, weights packed once in (ky, kx, c) order) writes NHWC
    /// rows through the vectorized epilogue, and one transpose gives NCHW back. With <paramref name="maxPool2x2"/> the
    /// result is MaxPool(2×2, stride 2, floor) of the requantized conv: the few-tap conv pools its int32 sums before
    /// requantizing (<see cref="QMaxPoolRequant"/>, the same bytes), the GEMM path pools its NHWC bytes before the
    /// transpose (a quarter of the bytes to transpose, no full-size tensor).</summary>
    public static Tensor? Conv(OpContext c, Tensor x, Tensor? xZero, Tensor w, Tensor? wZero, Spatial s, int groups, Requant? rq, bool maxPool2x2 = false)
    {
        if (x.Rank != 4 || w.Rank != 4 || !Is8Bit(x) || !Is8Bit(w)) return null;
        int batch = x.Dim(0), ch = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), mOut = w.Dim(0), kh = w.Dim(2), kw = w.Dim(3);
        if (groups < 1 || ch % groups != 0 || mOut % groups != 0 || w.Dim(1) != ch / groups) return null;
        int cg = ch / groups, mg = mOut / groups, kDim = cg * kh * kw;
        int outH = OutSize(h, s, 0), outW = OutSize(wd, s, 1), plane = outH * outW;
        if (outH < 1 || outW < 1 || kDim == 0) return null;
        var xz = ZeroPoints(c, xZero, 1, "x_zero_point");
        var wz = ZeroPoints(c, wZero, mOut, "w_zero_point");
        if (xz is null || wz is null || (rq is not null && !rq.Fits(mOut))) return null;
        int flip = x.DType == DType.Int8 ? 0x80 : 0;
        int xzu = xz[0] + (flip == 0 ? 0 : 128);
        var shape = new Shape(batch, mOut, outH, outW);
        if (maxPool2x2 && (rq is null || groups != 1 || outH < 2 || outW < 2)) return null;
        if (rq is not null && cg == 1 && mg == 1 && !maxPool2x2) return Depthwise(x, xzu, flip, w, wz, s, outH, outW, rq, shape);
        // few taps (and few channels for a 1×1 conv), stride 1 or 2 along rows (the pair images are then built eight
        // pixels per step)
        if (rq is not null && groups == 1 && kDim <= (kh * kw == 1 ? PointwiseMaxTaps : QSmallConv.MaxTaps) && s.Strides[1] <= 2 && s.Begin.All(v => v >= 0) && (!maxPool2x2 || QMaxPoolRequant.Commutes(rq.Multipliers)))
            return SmallConv(x, xzu, flip, w, wz, s, outH, outW, rq, maxPool2x2 ? new Shape(batch, mOut, outH / 2, outW / 2) : shape, maxPool2x2);
        var packs = Pack(w, wz, groups, (ws, z) =>
        {
            var result = new QGemmPackedB[groups];
            var wi = c.IntsOf(ws, "w");
            var wn = new sbyte[mg * kDim];
            for (int g = 0; g < groups; g++)
            {
                var zg = z.Length == 1 ? z : z.AsSpan(g * mg, mg);
                int shift = ws.DType == DType.Int8 ? 0 : -128; // uint8 weights: v − 128 as int8, zero points shifted alike
                for (int j = 0; j < mg; j++)
                    for (int ci = 0; ci < cg; ci++)
                        for (int t = 0; t < kh * kw; t++)
                            wn[j * kDim + t * cg + ci] = (sbyte)(wi[((g * mg + j) * cg + ci) * kh * kw + t] + shift);
                var zs = zg.ToArray();
                for (int i = 0; i < zs.Length; i++) zs[i] += shift;
                result[g] = QGemmPackedB.Pack(wn, kDim, mg, kDim, true, zs);
            }
            return result;
        });
        int rows = batch * plane;
        var xn = ArrayPool<byte>.Shared.Rent(batch * ch * h * wd);
        bool pointwise = kh == 1 && kw == 1 && groups == 1 && s.Strides.All(v => v == 1) && s.Begin.All(v => v == 0) && outH == h && outW == wd;
        var cols = pointwise ? xn : ArrayPool<byte>.Shared.Rent(rows * kDim);
        var yn = ArrayPool<byte>.Shared.Rent(rq is null ? 0 : rows * mOut);
        var acc = rq is null ? ArrayPool<int>.Shared.Rent(rows * mOut) : [];
        try
        {
            // the byte moves per image, images split over the threads (the GEMM is threaded inside)
            var xc = x.Contiguous();
            int tasks = batch > 1 && (long)rows * kDim >= 1 << 16 ? Math.Min(batch, 2 * Pare.Core.Threading.Parallelism.ThreadCount) : 1;
            if (groups == 1)
                ForImages(batch, tasks, (b0, b1) =>
                {
                    ToNhwc(xc, flip, b0, b1, ch, h * wd, xn, tasks == 1);
                    if (!pointwise) Im2ColNhwc(xn, b0, b1, ch, h, wd, 0, cg, kh, kw, s, outH, outW, (byte)xzu, cols);
                });
            else ForImages(batch, tasks, (b0, b1) => ToNhwc(xc, flip, b0, b1, ch, h * wd, xn, tasks == 1));
            for (int g = 0; g < groups; g++)
            {
                if (!pointwise && groups > 1) Im2ColNhwc(xn, 0, batch, ch, h, wd, g * cg, cg, kh, kw, s, outH, outW, (byte)xzu, cols);
                if (rq is null)
                {
                    QGemm.MultiplyStrided(rows, cols, kDim, [xzu], packs[g], acc.AsSpan(g * mg), mOut, 1);
                }
                else
                {
                    var mult = rq.Multipliers.Length == 1 ? rq.Multipliers : rq.Multipliers.AsSpan(g * mg, mg);
                    var bias = rq.Bias.Length == 0 ? rq.Bias : rq.Bias.AsSpan(g * mg, mg);
                    QGemm.MultiplyRequantize(rows, cols, kDim, [xzu], packs[g], bias, mult, rq.ZeroPoint, rq.Signed, yn.AsSpan(g * mg), mOut, 1);
                }
            }
            if (rq is null)
            {
                var y = TensorMemory.Uninitialized<int>(batch * mOut * plane);
                for (int b = 0; b < batch; b++) Transpose<int>(acc.AsSpan(b * plane * mOut, plane * mOut), plane, mOut, y.AsSpan(b * mOut * plane));
                return Tensor.Wrap(y, shape);
            }
            if (maxPool2x2)
            {
                // the 2×2 pool on the NHWC bytes (C bytes per vector step), then the transpose of a quarter of them
                int pooled = outH / 2 * (outW / 2);
                var pooledResult = NewBytes(rq.Signed, batch * mOut * pooled, new Shape(batch, mOut, outH / 2, outW / 2), out _);
                bool signed = rq.Signed;
                ForImages(batch, tasks, (b0, b1) =>
                {
                    var yb = Bytes(pooledResult);
                    Span<byte> nhwc = pooled * mOut <= 16384 ? stackalloc byte[pooled * mOut] : new byte[pooled * mOut];
                    for (int b = b0; b < b1; b++)
                    {
                        MaxPoolBytesNhwc.Pool2x2(yn.AsSpan(b * plane * mOut, plane * mOut), outH, outW, mOut, signed, nhwc);
                        ByteTranspose.Run(nhwc, pooled, mOut, yb.Slice(b * mOut * pooled));
                    }
                });
                return pooledResult;
            }
            var result = NewBytes(rq.Signed, batch * mOut * plane, shape, out _);
            ForImages(batch, tasks, (b0, b1) =>
            {
                var yb = Bytes(result);
                for (int b = b0; b < b1; b++)
                {
                    // one image: the transpose itself is split over the threads
                    if (tasks == 1) ByteTranspose.RunParallel(yn.AsSpan(b * plane * mOut, plane * mOut), plane, mOut, yb.Slice(b * mOut * plane));
                    else ByteTranspose.Run(yn.AsSpan(b * plane * mOut, plane * mOut), plane, mOut, yb.Slice(b * mOut * plane));
                }
            });
            return result;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(xn);
            if (!pointwise) ArrayPool<byte>.Shared.Return(cols);
            ArrayPool<byte>.Shared.Return(yn);
            if (rq is null) ArrayPool<int>.Shared.Return(acc);
        }
    }

    // one filter per channel: QDepthwiseConv per image on the NCHW input (as uint8), weights centred once per weight tensor
    private static Tensor Depthwise(Tensor x, int xzu, int flip, Tensor w, int[] wz, Spatial s, int outH, int outW, Requant rq, Shape shape)
    {
        int batch = x.Dim(0), ch = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), taps = w.Dim(2) * w.Dim(3);
        var wc = Centred(w, wz, taps, v => v);
        var g = new QDepthwiseGeometry(ch, h, wd, w.Dim(2), w.Dim(3), s.Strides[0], s.Strides[1], s.Dilations[0], s.Dilations[1], s.Begin[0], s.Begin[1], outH, outW);
        var xb = flip == 0 ? x.Contiguous().AsSpan<byte>() : AsUInt8(x, [0]);
        var result = NewBytes(rq.Signed, batch * ch * outH * outW, shape, out var y);
        for (int b = 0; b < batch; b++)
            QDepthwiseConv.Run(xb.Slice(b * ch * h * wd, ch * h * wd), g, xzu, wc, rq.Bias, rq.Multipliers, rq.ZeroPoint, rq.Signed,
                y.Slice(b * ch * outH * outW, ch * outH * outW));
        return result;
    }

    // few taps per output (C·kH·kW ≤ 32): QSmallConv directly on NCHW, images × blocks of output channels as tasks
    private static Tensor SmallConv(Tensor x, int xzu, int flip, Tensor w, int[] wz, Spatial s, int outH, int outW, Requant rq, Shape shape, bool maxPool2x2)
    {
        int batch = x.Dim(0), ch = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), mOut = w.Dim(0), taps = ch * w.Dim(2) * w.Dim(3);
        var wc = Centred(w, wz, taps, v => (short)v);
        var g = new QConvGeometry(ch, h, wd, w.Dim(2), w.Dim(3), s.Strides[0], s.Strides[1], s.Dilations[0], s.Dilations[1], s.Begin[0], s.Begin[1], outH, outW);
        // int8 x shifted to uint8 in a pooled buffer (the zero point xzu is already shifted)
        var xc = x.Contiguous();
        byte[]? shifted = flip == 0 ? null : ArrayPool<byte>.Shared.Rent(xc.Count);
        if (shifted is not null) Shift(xc, [], shifted);
        var result = NewBytes(rq.Signed, shape.ElementCount, shape, out _);
        int inImage = ch * h * wd, outImage = shape.ElementCount / batch;
        // one task per image when there are enough images; else each image's channels in blocks (each block builds
        // the image's pair images again: cheap next to its channels)
        int threads = Pare.Core.Threading.Parallelism.ThreadCount;
        bool serial = threads == 1 || (long)batch * mOut * outH * outW * taps < 1 << 17;
        int blocks = serial || batch >= threads ? 1 : Math.Min(mOut, (threads + batch - 1) / batch);
        int tasks = serial ? 1 : batch >= 2 * threads ? Math.Min(batch, 2 * threads) : batch * blocks;
        void Task(int t)
        {
            ReadOnlySpan<byte> xs = shifted is null ? xc.AsSpan<byte>() : shifted.AsSpan(0, xc.Count);
            var ys = Bytes(result);
            if (blocks == 1)
            {
                for (int b = t * batch / tasks; b < (t + 1) * batch / tasks; b++)
                    QSmallConv.Run(xs.Slice(b * inImage, inImage), g, xzu, wc, 0, mOut, rq.Bias, rq.Multipliers, rq.ZeroPoint, rq.Signed, ys.Slice(b * outImage, outImage), maxPool2x2);
                return;
            }
            int image = t / blocks, block = t % blocks;
            QSmallConv.Run(xs.Slice(image * inImage, inImage), g, xzu, wc, block * mOut / blocks, (block + 1) * mOut / blocks,
                rq.Bias, rq.Multipliers, rq.ZeroPoint, rq.Signed, ys.Slice(image * outImage, outImage), maxPool2x2);
        }
        try
        {
            if (tasks == 1) Task(0);
            else Pare.Core.Threading.Parallelism.For(tasks, Task);
        }
        finally
        {
            if (shifted is not null) ArrayPool<byte>.Shared.Return(shifted);
        }
        return result;
    }

    // a new int8 or uint8 tensor and its bytes, not zeroed (every caller writes them all; rented from the run's arena)
    private static Tensor NewBytes(bool signed, int count, Shape shape, out Span<byte> bytes)
    {
        if (!signed)
        {
            var u = TensorMemory.Uninitialized<byte>(count);
            bytes = u;
            return Tensor.Wrap(u, shape);
        }
        var s = TensorMemory.Uninitialized<sbyte>(count);
        bytes = MemoryMarshal.AsBytes(s.AsSpan());
        return Tensor.Wrap(s, shape);
    }

    /// <summary>The requantization of a QLinear op: per-column multipliers float32(scale_a·scale_b[j]) / scale_y,
    /// an optional int32 bias, the output zero point and signedness.</summary>
    internal sealed record Requant(float[] Multipliers, int[] Bias, int ZeroPoint, bool Signed)
    {
        public bool Fits(int n) => (Multipliers.Length == 1 || Multipliers.Length == n) && (Bias.Length == 0 || Bias.Length == n);
    }

    // body(b0, b1) over `tasks` ranges of images, in parallel when tasks > 1
    private static void ForImages(int batch, int tasks, Action<int, int> body)
    {
        if (tasks <= 1)
        {
            body(0, batch);
            return;
        }
        Pare.Core.Threading.Parallelism.For(tasks, t => body(t * batch / tasks, (t + 1) * batch / tasks));
    }

    private static Span<byte> Bytes(Tensor t) => t.DType == DType.UInt8 ? t.AsSpan<byte>() : MemoryMarshal.AsBytes(t.AsSpan<sbyte>());

    // images [b0, b1) of x (N, C, H·W) 8-bit → (N, H·W, C) uint8 (int8 values ⊕ 0x80); each transpose split over
    // the threads when the images are not
    private static void ToNhwc(Tensor x, int flip, int b0, int b1, int ch, int hw, Span<byte> dst, bool parallel)
    {
        var src = x.DType == DType.Int8 ? MemoryMarshal.AsBytes(x.Contiguous().AsSpan<sbyte>()) : x.Contiguous().AsSpan<byte>();
        for (int b = b0; b < b1; b++)
        {
            var image = src.Slice(b * ch * hw, ch * hw);
            var outImage = dst.Slice(b * ch * hw, ch * hw);
            if (ch == 1) image.CopyTo(outImage);
            else if (parallel) ByteTranspose.RunParallel(image, ch, hw, outImage);
            else ByteTranspose.Run(image, ch, hw, outImage);
            if (flip != 0) Flip(outImage);
        }
    }

    private static void Flip(Span<byte> values)
    {
        var v = MemoryMarshal.Cast<byte, ulong>(values);
        for (int i = 0; i < v.Length; i++) v[i] ^= 0x8080808080808080UL;
        for (int i = v.Length * 8; i < values.Length; i++) values[i] ^= 0x80;
    }

    // dst (cols × rows) = srcᵀ (rows × cols), in 16×16 blocks so both sides stay in cache
    private static unsafe void Transpose<T>(ReadOnlySpan<T> src, int rows, int cols, Span<T> dst) where T : unmanaged
    {
        const int Block = 16;
        if (src.Length < rows * cols || dst.Length < rows * cols) throw new ArgumentException("transpose: buffers too small");
        fixed (T* ps = src)
        fixed (T* pd = dst)
        {
            for (int r0 = 0; r0 < rows; r0 += Block)
                for (int c0 = 0; c0 < cols; c0 += Block)
                {
                    int r1 = Math.Min(rows, r0 + Block), c1 = Math.Min(cols, c0 + Block);
                    for (int cc = c0; cc < c1; cc++)
                    {
                        T* d = pd + (long)cc * rows;
                        T* sc = ps + cc;
                        for (int r = r0; r < r1; r++) d[r] = sc[(long)r * cols];
                    }
                }
        }
    }

    // rows of the im2col matrix over NHWC input: one per output pixel of images [b0, b1), K = (ky, kx, c) for the
    // channels [c0, c0 + cg) of a group; padding = the zero point. Without groups and dilation the kW taps of a
    // kernel row are kW·C contiguous input bytes: one copy when they are all inside the image.
    private static unsafe void Im2ColNhwc(ReadOnlySpan<byte> xn, int b0, int b1, int ch, int h, int w, int c0, int cg, int kh, int kw, Spatial s,
        int outH, int outW, byte pad, Span<byte> cols)
    {
        int kDim = cg * kh * kw, sy = s.Strides[0], sx = s.Strides[1], dy = s.Dilations[0], dx = s.Dilations[1], py = s.Begin[0], px = s.Begin[1];
        if (xn.Length < b1 * h * w * ch || cols.Length < b1 * outH * outW * kDim) throw new ArgumentException("im2col: buffers too small");
        bool rowCopies = cg == ch && dx == 1;
        fixed (byte* src = xn)
        fixed (byte* dst = cols)
        {
            byte* row = dst + (long)b0 * outH * outW * kDim;
            for (int b = b0; b < b1; b++)
                for (int oy = 0; oy < outH; oy++)
                    for (int ox = 0; ox < outW; ox++, row += kDim)
                    {
                        int ix0 = ox * sx - px;
                        byte* at = row;
                        for (int ky = 0; ky < kh; ky++)
                        {
                            int iy = oy * sy - py + ky * dy;
                            if (iy < 0 || iy >= h)
                            {
                                new Span<byte>(at, kw * cg).Fill(pad);
                                at += kw * cg;
                                continue;
                            }
                            byte* line = src + ((long)(b * h + iy) * w) * ch + c0;
                            if (rowCopies && ix0 >= 0 && ix0 + kw <= w)
                            {
                                Copy(line + (long)ix0 * ch, at, kw * cg);
                                at += kw * cg;
                                continue;
                            }
                            for (int kx = 0; kx < kw; kx++, at += cg)
                            {
                                int ix = ix0 + kx * dx;
                                if (ix < 0 || ix >= w) new Span<byte>(at, cg).Fill(pad);
                                else if (cg == 1) *at = line[(long)ix * ch];
                                else Buffer.MemoryCopy(line + (long)ix * ch, at, cg, cg);
                            }
                        }
                    }
        }
    }

    // n bytes; short runs (a 3×3 kernel row of a 1-channel image is 3) as two overlapping loads and stores
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(byte* src, byte* dst, int n)
    {
        if (n >= 16) Buffer.MemoryCopy(src, dst, n, n);
        else if (n >= 8) { ulong a = *(ulong*)src, b = *(ulong*)(src + n - 8); *(ulong*)dst = a; *(ulong*)(dst + n - 8) = b; }
        else if (n >= 4) { uint a = *(uint*)src, b = *(uint*)(src + n - 4); *(uint*)dst = a; *(uint*)(dst + n - 4) = b; }
        else if (n >= 2) { ushort a = *(ushort*)src, b = *(ushort*)(src + n - 2); *(ushort*)dst = a; *(ushort*)(dst + n - 2) = b; }
        else if (n == 1) *dst = *src;
    }

    private static int OutSize(int size, Spatial s, int axis)
    {
        long span = (long)size + s.Begin[axis] + s.End[axis] - (long)s.Dilations[axis] * (s.Kernel[axis] - 1) - 1;
        return span < 0 ? 0 : (int)(span / s.Strides[axis] + 1);
    }

    private static QGemmPackedB[] Pack(Tensor weight, int[] zeroPoints, int groups, Func<Tensor, int[], QGemmPackedB[]> pack)
    {
        if (Cache.TryGetValue(weight, out var hit) && hit.ZeroPoints.AsSpan().SequenceEqual(zeroPoints) && hit.Groups.Length == groups) return hit.Groups;
        var packs = new Packs(zeroPoints, pack(weight, zeroPoints));
        Cache.AddOrUpdate(weight, packs);
        return packs.Groups;
    }

    private static QGemmPackedB[] Pack(Tensor weight, int[] zeroPoints, int groups, Func<Tensor, int[], QGemmPackedB> pack) =>
        Pack(weight, zeroPoints, groups, (t, z) => new[] { pack(t, z) });

    private sealed record CentredWeights(int[] ZeroPoints, Array Values);

    private static readonly ConditionalWeakTable<Tensor, CentredWeights> CentredCache = new();

    // w − its zero point (per output channel of `taps` values, or one for all), as T: computed once per weight tensor
    // and zero points, like the packed GEMM weights (the direct kernels read them on every run)
    private static T[] Centred<T>(Tensor w, int[] wz, int taps, Func<int, T> convert)
    {
        if (CentredCache.TryGetValue(w, out var hit) && hit.Values is T[] cached && hit.ZeroPoints.AsSpan().SequenceEqual(wz)) return cached;
        var wc = new T[w.Count];
        if (w.DType == DType.Int8)
        {
            var ws = w.Contiguous().AsSpan<sbyte>();
            for (int i = 0; i < wc.Length; i++) wc[i] = convert(ws[i] - wz[wz.Length == 1 ? 0 : i / taps]);
        }
        else
        {
            var ws = w.Contiguous().AsSpan<byte>();
            for (int i = 0; i < wc.Length; i++) wc[i] = convert(ws[i] - wz[wz.Length == 1 ? 0 : i / taps]);
        }
        CentredCache.AddOrUpdate(w, new CentredWeights((int[])wz.Clone(), wc));
        return wc;
    }

    // the values as uint8 (int8 shifted by +128, its zero points too: zp[] is updated in place)
    private static byte[] AsUInt8(Tensor t, int[] zeroPoints)
    {
        if (t.DType == DType.UInt8) return t.Contiguous().AsSpan<byte>().ToArray();
        var s = t.Contiguous().AsSpan<sbyte>();
        var r = new byte[s.Length];
        for (int i = 0; i < r.Length; i++) r[i] = (byte)(s[i] ^ unchecked((sbyte)0x80));
        for (int i = 0; i < zeroPoints.Length; i++) zeroPoints[i] += 128;
        return r;
    }

    // a zero point tensor as ints: absent → [0]; a scalar; or exactly `count` values in a 1-D tensor; else null
    private static int[]? ZeroPoints(OpContext c, Tensor? zero, int count, string what)
    {
        if (zero is null) return [0];
        if (!Is8Bit(zero)) return null;
        var z = c.IntsOf(zero, what);
        return z.Length == 1 || (z.Length == count && zero.Rank == 1) ? z : null;
    }

    private static bool Is8Bit(Tensor t) => t.DType is DType.Int8 or DType.UInt8;
}
