using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Pare.Core.Kernels.Elementwise;

/// <summary>The "how" of every elementwise kernel: runs the widest hardware-accelerated vector body, then the
/// remaining elements one at a time with the operator's scalar formula. The <c>...Scalar</c> methods are the
/// scalar twins: the same operator, scalar formula only. Spans in, span out, no allocation. Input and output
/// may be the same span (in place) but must not otherwise overlap.</summary>
public static class ElementwiseDriver
{
    /// <summary>y[i] = op(x[i]).</summary>
    /// <param name="op">the operator (its fields carry any parameters)</param>
    /// <param name="x">(n)</param>
    /// <param name="y">(n)</param>
    public static void Unary<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y) where TOp : struct, IUnaryOperator
    {
        CheckLength(x.Length, y.Length);
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                op.Invoke(Vector128.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
        for (; i < n; i++)
            Unsafe.Add(ref ys, i) = op.Invoke(Unsafe.Add(ref xs, i));
    }

    /// <summary>Scalar twin of <see cref="Unary{TOp}"/>.</summary>
    /// <param name="op">the operator (its fields carry any parameters)</param>
    /// <param name="x">(n)</param>
    /// <param name="y">(n)</param>
    public static void UnaryScalar<TOp>(TOp op, ReadOnlySpan<float> x, Span<float> y) where TOp : struct, IUnaryOperator
    {
        CheckLength(x.Length, y.Length);
        for (int i = 0; i < x.Length; i++) y[i] = op.Invoke(x[i]);
    }

    /// <summary>z[i] = op(a[i], b[i]).</summary>
    /// <param name="op">the operator (its fields carry any parameters)</param>
    /// <param name="a">(n)</param>
    /// <param name="b">(n)</param>
    /// <param name="z">(n)</param>
    public static void Binary<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> z) where TOp : struct, IBinaryOperator
    {
        CheckLength(a.Length, b.Length);
        CheckLength(a.Length, z.Length);
        ref float as_ = ref MemoryMarshal.GetReference(a);
        ref float bs = ref MemoryMarshal.GetReference(b);
        ref float zs = ref MemoryMarshal.GetReference(z);
        int n = a.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref as_, (nuint)i), Vector512.LoadUnsafe(ref bs, (nuint)i)).StoreUnsafe(ref zs, (nuint)i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref as_, (nuint)i), Vector256.LoadUnsafe(ref bs, (nuint)i)).StoreUnsafe(ref zs, (nuint)i);
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                op.Invoke(Vector128.LoadUnsafe(ref as_, (nuint)i), Vector128.LoadUnsafe(ref bs, (nuint)i)).StoreUnsafe(ref zs, (nuint)i);
        for (; i < n; i++)
            Unsafe.Add(ref zs, i) = op.Invoke(Unsafe.Add(ref as_, i), Unsafe.Add(ref bs, i));
    }

    /// <summary>Scalar twin of <see cref="Binary{TOp}"/>.</summary>
    /// <param name="op">the operator (its fields carry any parameters)</param>
    /// <param name="a">(n)</param>
    /// <param name="b">(n)</param>
    /// <param name="z">(n)</param>
    public static void BinaryScalar<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> z) where TOp : struct, IBinaryOperator
    {
        CheckLength(a.Length, b.Length);
        CheckLength(a.Length, z.Length);
        for (int i = 0; i < a.Length; i++) z[i] = op.Invoke(a[i], b[i]);
    }

    /// <summary>z[i] = op(a[i], b): the right operand is one value broadcast to every lane.</summary>
    /// <param name="op">the operator (its fields carry any parameters)</param>
    /// <param name="a">(n)</param>
    /// <param name="b">the scalar operand</param>
    /// <param name="z">(n)</param>
    public static void BinaryRightScalar<TOp>(TOp op, ReadOnlySpan<float> a, float b, Span<float> z) where TOp : struct, IBinaryOperator
    {
        CheckLength(a.Length, z.Length);
        ref float as_ = ref MemoryMarshal.GetReference(a);
        ref float zs = ref MemoryMarshal.GetReference(z);
        int n = a.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var bv = Vector512.Create(b);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref as_, (nuint)i), bv).StoreUnsafe(ref zs, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var bv = Vector256.Create(b);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref as_, (nuint)i), bv).StoreUnsafe(ref zs, (nuint)i);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var bv = Vector128.Create(b);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                op.Invoke(Vector128.LoadUnsafe(ref as_, (nuint)i), bv).StoreUnsafe(ref zs, (nuint)i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref zs, i) = op.Invoke(Unsafe.Add(ref as_, i), b);
    }

    /// <summary>z[i] = op(a, b[i]): the left operand is one value broadcast to every lane.</summary>
    /// <param name="op">the operator (its fields carry any parameters)</param>
    /// <param name="a">the scalar operand</param>
    /// <param name="b">(n)</param>
    /// <param name="z">(n)</param>
    public static void BinaryLeftScalar<TOp>(TOp op, float a, ReadOnlySpan<float> b, Span<float> z) where TOp : struct, IBinaryOperator
    {
        CheckLength(b.Length, z.Length);
        ref float bs = ref MemoryMarshal.GetReference(b);
        ref float zs = ref MemoryMarshal.GetReference(z);
        int n = b.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var av = Vector512.Create(a);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                op.Invoke(av, Vector512.LoadUnsafe(ref bs, (nuint)i)).StoreUnsafe(ref zs, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var av = Vector256.Create(a);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                op.Invoke(av, Vector256.LoadUnsafe(ref bs, (nuint)i)).StoreUnsafe(ref zs, (nuint)i);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            var av = Vector128.Create(a);
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                op.Invoke(av, Vector128.LoadUnsafe(ref bs, (nuint)i)).StoreUnsafe(ref zs, (nuint)i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref zs, i) = op.Invoke(a, Unsafe.Add(ref bs, i));
    }

    /// <summary>m[i] = p(a[i], b[i]) as bools.</summary>
    /// <param name="op">the operator (its fields carry any parameters)</param>
    /// <param name="a">(n)</param>
    /// <param name="b">(n)</param>
    /// <param name="m">(n)</param>
    public static void Compare<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<bool> m) where TOp : struct, ICompareOperator
    {
        CheckLength(a.Length, b.Length);
        CheckLength(a.Length, m.Length);
        ref float as_ = ref MemoryMarshal.GetReference(a);
        ref float bs = ref MemoryMarshal.GetReference(b);
        int n = a.Length, i = 0;
        // The lane mask's sign bits become one bit per lane; each bit is then written out as a bool byte.
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
                WriteBits(op.Invoke(Vector512.LoadUnsafe(ref as_, (nuint)i), Vector512.LoadUnsafe(ref bs, (nuint)i)).ExtractMostSignificantBits(), m.Slice(i, Vector512<float>.Count));
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
                WriteBits(op.Invoke(Vector256.LoadUnsafe(ref as_, (nuint)i), Vector256.LoadUnsafe(ref bs, (nuint)i)).ExtractMostSignificantBits(), m.Slice(i, Vector256<float>.Count));
        if (Vector128.IsHardwareAccelerated)
            for (; i <= n - Vector128<float>.Count; i += Vector128<float>.Count)
                WriteBits(op.Invoke(Vector128.LoadUnsafe(ref as_, (nuint)i), Vector128.LoadUnsafe(ref bs, (nuint)i)).ExtractMostSignificantBits(), m.Slice(i, Vector128<float>.Count));
        for (; i < n; i++)
            m[i] = op.Invoke(Unsafe.Add(ref as_, i), Unsafe.Add(ref bs, i));
    }

    /// <summary>Scalar twin of <see cref="Compare{TOp}"/>.</summary>
    /// <param name="op">the operator (its fields carry any parameters)</param>
    /// <param name="a">(n)</param>
    /// <param name="b">(n)</param>
    /// <param name="m">(n)</param>
    public static void CompareScalar<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<bool> m) where TOp : struct, ICompareOperator
    {
        CheckLength(a.Length, b.Length);
        CheckLength(a.Length, m.Length);
        for (int i = 0; i < a.Length; i++) m[i] = op.Invoke(a[i], b[i]);
    }

    /// <summary>z[i] = cond[i] ? a[i] : b[i]. A select is one load and store per element, memory bound, so it
    /// is a plain loop; there is no separate twin.</summary>
    /// <param name="cond">(n)</param>
    /// <param name="a">(n)</param>
    /// <param name="b">(n)</param>
    /// <param name="z">(n)</param>
    public static void Where(ReadOnlySpan<bool> cond, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> z)
    {
        CheckLength(cond.Length, a.Length);
        CheckLength(cond.Length, b.Length);
        CheckLength(cond.Length, z.Length);
        for (int i = 0; i < cond.Length; i++) z[i] = cond[i] ? a[i] : b[i];
    }

    private static void WriteBits(uint bits, Span<bool> m)
    {
        for (int j = 0; j < m.Length; j++) m[j] = ((bits >> j) & 1) != 0;
    }

    private static void WriteBits(ulong bits, Span<bool> m)
    {
        for (int j = 0; j < m.Length; j++) m[j] = ((bits >> j) & 1) != 0;
    }

    private static void CheckLength(int expected, int actual)
    {
        if (expected != actual)
            throw new ArgumentException($"elementwise kernel: span lengths {expected} and {actual} differ");
    }
}
