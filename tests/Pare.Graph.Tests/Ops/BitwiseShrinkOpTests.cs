using Pare.Core;
using static Pare.Graph.Tests.Ops.OneNode;

namespace Pare.Graph.Tests.Ops;

/// <summary>The Bitwise ops on the integer types Pare holds, and Shrink's values and gradient.</summary>
public class BitwiseShrinkOpTests
{
    [Fact]
    public void Bitwise_ops_broadcast_over_int32_and_uint8()
    {
        var a = Tensor.FromSpan<int>([0b1100, -1, 5, 0], new Shape(2, 2));
        var b = Tensor.FromSpan<int>([0b1010, 3], new Shape(2));
        Assert.Equal([0b1000, 3, 0, 0], Run(Make("BitwiseAnd", 2, 1), 18, a, b)[0].ToArray<int>());
        Assert.Equal([0b1110, -1, 0b1111, 3], Run(Make("BitwiseOr", 2, 1), 18, a, b)[0].ToArray<int>());
        Assert.Equal([0b0110, -4, 0b1111, 3], Run(Make("BitwiseXor", 2, 1), 18, a, b)[0].ToArray<int>());
        Assert.Equal([~0b1100, 0, ~5, -1], Run(Make("BitwiseNot", 1, 1), 18, a)[0].ToArray<int>());
        Assert.Equal([(byte)0xF0, (byte)0xFF], Run(Make("BitwiseNot", 1, 1), 18, Tensor.FromSpan<byte>([0x0F, 0x00]))[0].ToArray<byte>());
    }

    [Fact]
    public void Bitwise_ops_refuse_floats_and_mixed_types_naming_the_node()
    {
        var f = Tensor.FromSpan<float>([1f]);
        Assert.Contains("n0", Assert.Throws<GraphException>(() => Run(Make("BitwiseAnd", 2, 1), 18, f, f)).Message);
        Assert.Contains("n0", Assert.Throws<GraphException>(() => Run(Make("BitwiseNot", 1, 1), 18, f)).Message);
        var mixed = Assert.Throws<GraphException>(() => Run(Make("BitwiseOr", 2, 1), 18, Tensor.FromSpan<int>([1]), Tensor.FromSpan<long>([1])));
        Assert.Contains("n0", mixed.Message);
    }

    [Fact]
    public void Shrink_zeroes_the_band_and_shifts_the_rest()
    {
        var x = Tensor.FromSpan<float>([-3f, -1f, 0f, 1f, 3f]);
        var y = Run(Make("Shrink", 1, 1, ("lambd", F(1.5f)), ("bias", F(0.5f))), 9, x)[0].ToArray<float>();
        Assert.Equal([-2.5f, 0f, 0f, 0f, 2.5f], y);
        var inputs = Tensor.FromSpan<float>([-2f, -0.9f, 0.3f, 0.8f, 2.4f]);
        GraphGradCheck.Check(Make("Shrink", 1, 1, ("lambd", F(0.5f)), ("bias", F(0.2f))), 9, [0], inputs);
    }
}
