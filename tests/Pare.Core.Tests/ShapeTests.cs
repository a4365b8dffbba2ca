namespace Pare.Core.Tests;

public class ShapeTests
{
    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 3 }, new[] { 2, 3 })]
    [InlineData(new[] { 4, 1, 5 }, new[] { 3, 1 }, new[] { 4, 3, 5 })]
    [InlineData(new int[0], new[] { 2, 2 }, new[] { 2, 2 })]
    [InlineData(new[] { 1 }, new[] { 0 }, new[] { 0 })]
    public void Broadcast_follows_numpy(int[] a, int[] b, int[] expected)
    {
        Assert.Equal(new Shape(expected), Shape.Broadcast(a, b));
        Assert.Equal(new Shape(expected), Shape.Broadcast(b, a));
    }

    [Fact]
    public void Incompatible_broadcast_names_both_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Shape.Broadcast(new[] { 2, 3 }, new[] { 4, 3 }));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 3)", e.Message);
    }

    [Fact]
    public void Overflowing_product_is_an_argument_exception_not_an_allocation()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(new[] { 1 << 20, 1 << 20 }));
        Assert.Contains("1048576", e.Message);
        Assert.Throws<ArgumentException>(() => new Shape(65536, 65536, 65536, 65536));
    }

    [Fact]
    public void Negative_size_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Shape(2, -1));
    }

    [Fact]
    public void Bad_axis_names_axis_and_shape()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new Shape(2, 3).NormalizeAxis(2));
        Assert.Contains("axis 2", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Equal(1, new Shape(2, 3).NormalizeAxis(-1));
    }

    [Fact]
    public void Scalar_has_one_element_and_empty_dims_have_none()
    {
        Assert.Equal(1, new Shape().ElementCount);
        Assert.Equal(1, default(Shape).ElementCount);
        Assert.Equal(0, new Shape(3, 0, 2).ElementCount);
        Assert.Equal("()", new Shape().ToString());
        Assert.Equal("(5,)", new Shape(5).ToString());
    }
}
