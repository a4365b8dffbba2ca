using Pare.Core.Autograd;

namespace Pare.Core.Tests.Autograd;

public class TapeTests
{
    [Fact]
    public void Gradients_accumulate_across_backward_calls_and_reuse()
    {
        var x = Tensor.FromSpan<float>([1f, 2f, 3f]);
        x.RequiresGrad = true;
        // y uses x twice (two paths); each element's gradient is 2.
        var y = x.Reshape(3, 1).Expand(3, 2).Reshape(6);
        y.Backward(Tensor.Ones([6]));
        Assert.Equal([2f, 2f, 2f], x.Grad!.ToArray<float>());
        y.Backward(Tensor.Ones([6]));
        Assert.Equal([4f, 4f, 4f], x.Grad!.ToArray<float>());
        x.ZeroGrad();
        Assert.Null(x.Grad);
    }

    [Fact]
    public void No_grad_scope_records_nothing()
    {
        var x = Tensor.Ones([2, 2]);
        x.RequiresGrad = true;
        Tensor y;
        using (Tape.NoGrad())
        {
            Assert.False(Tape.IsEnabled);
            y = x.Transpose(0, 1);
        }
        Assert.True(Tape.IsEnabled);
        Assert.False(y.RequiresGrad);
        Assert.Null(y.GradFn);
    }

    [Fact]
    public void Detach_cuts_the_tape_but_shares_storage()
    {
        var x = Tensor.Ones([2]);
        x.RequiresGrad = true;
        var d = x.Reshape(2, 1).Detach();
        Assert.False(d.RequiresGrad);
        Assert.Same(x.Storage, d.Storage);
    }

    [Fact]
    public void Backward_needs_a_scalar_or_a_matching_gradient()
    {
        var x = Tensor.Ones([2, 3]);
        x.RequiresGrad = true;
        var y = x.Transpose(0, 1);
        Assert.Throws<ArgumentException>(() => y.Backward());
        var e = Assert.Throws<ArgumentException>(() => y.Backward(Tensor.Ones([2, 3])));
        Assert.Contains("(3, 2)", e.Message);
        Assert.Throws<InvalidOperationException>(() => Tensor.Ones([1]).Backward());
    }

    [Fact]
    public void Only_float_tensors_can_require_grad()
    {
        var i = Tensor.Zeros([2], DType.Int64);
        Assert.Throws<ArgumentException>(() => i.RequiresGrad = true);
    }

    [Fact]
    public void A_long_chain_does_not_overflow_the_stack()
    {
        var x = Tensor.Ones([4]);
        x.RequiresGrad = true;
        var y = x;
        for (int i = 0; i < 100_000; i++) y = y.Reshape(2, 2).Reshape(4);
        y.Backward(Tensor.Ones([4]));
        Assert.Equal([1f, 1f, 1f, 1f], x.Grad!.ToArray<float>());
    }
}
