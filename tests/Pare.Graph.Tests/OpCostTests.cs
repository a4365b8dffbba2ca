using Pare.Core;
using Pare.Graph.Analysis;

namespace Pare.Graph.Tests;

/// <summary>MACs of the arithmetic-heavy ops against counts written out by hand from each op's definition.</summary>
public class OpCostTests
{
    private static Tensor Z(params int[] dims) => Tensor.Zeros(new Shape(dims));

    private static (long Macs, long Flops) Cost(string op, Tensor?[] inputs, Tensor output, Action<Node>? configure = null)
    {
        var node = new Node("n", op, inputs.Select((_, i) => $"i{i}"), ["y"]);
        configure?.Invoke(node);
        return OpCost.Of(node, inputs, [output]);
    }

    [Fact]
    public void Conv_counts_one_mac_per_output_element_and_filter_tap()
    {
        // N=1, C_in=2, 5x5 → M=4, 3x3 kernel, 3x3 out: N·M·H_out·W_out·C_in·kh·kw
        Assert.Equal((1L * 4 * 3 * 3 * 2 * 3 * 3, 2L * 648), Cost("Conv", [Z(1, 2, 5, 5), Z(4, 2, 3, 3)], Z(1, 4, 3, 3)));
        // with a bias every output element gets one more addition
        Assert.Equal((648L, 2 * 648L + 36), Cost("Conv", [Z(1, 2, 5, 5), Z(4, 2, 3, 3), Z(4)], Z(1, 4, 3, 3)));
        // group 2: each filter sees C_in / 2 = 1 channel
        Assert.Equal(1L * 4 * 3 * 3 * 1 * 3 * 3, Cost("Conv", [Z(1, 2, 5, 5), Z(4, 1, 3, 3)], Z(1, 4, 3, 3)).Macs);
        // 1-D convolution (N=2, C_in=3, L=10 → M=5, k=4, L_out=7)
        Assert.Equal(2L * 5 * 7 * 3 * 4, Cost("Conv", [Z(2, 3, 10), Z(5, 3, 4)], Z(2, 5, 7)).Macs);
    }

    [Fact]
    public void ConvTranspose_counts_every_input_element_times_its_filter()
    {
        // x (1, 2, 3, 3), W (C_in=2, M=4, 3, 3): each of 18 input elements is scattered over 4·9 outputs
        Assert.Equal(18L * 36, Cost("ConvTranspose", [Z(1, 2, 3, 3), Z(2, 4, 3, 3)], Z(1, 4, 5, 5)).Macs);
    }

    [Fact]
    public void Gemm_and_MatMul_count_M_N_K()
    {
        Assert.Equal((3L * 7 * 5, 2L * 105), Cost("Gemm", [Z(3, 5), Z(5, 7)], Z(3, 7)));
        Assert.Equal((105L, 2L * 105 + 21), Cost("Gemm", [Z(5, 3), Z(5, 7), Z(7)], Z(3, 7), n => n.Attributes.Set("transA", AttributeValue.Of(1L))));
        Assert.Equal(2L * 3 * 4 * 6 * 5, Cost("MatMul", [Z(2, 3, 4, 5), Z(5, 6)], Z(2, 3, 4, 6)).Macs);
        Assert.Equal(6L * 5, Cost("MatMul", [Z(5), Z(5, 6)], Z(6)).Macs);
    }

    [Fact]
    public void Lstm_and_Gru_count_input_and_recurrent_products_per_step()
    {
        // LSTM: seq 7, batch 2, input 3, hidden 4: per step and sequence 4H·I + 4H·H = 48 + 64
        var lstm = Cost("LSTM", [Z(7, 2, 3), Z(1, 16, 3), Z(1, 16, 4), Z(1, 32)], Z(7, 1, 2, 4));
        Assert.Equal((7L * 2 * 112, 2L * 7 * 2 * 112 + 7 * 2 * 32), lstm);
        var batchFirst = Cost("LSTM", [Z(2, 7, 3), Z(1, 16, 3), Z(1, 16, 4)], Z(2, 7, 1, 4), n => n.Attributes.Set("layout", AttributeValue.Of(1L)));
        Assert.Equal(7L * 2 * 112, batchFirst.Macs);
        // bidirectional GRU, hidden 5, input 6, seq 4, batch 1: 2 directions · (3H·I + 3H·H)
        Assert.Equal(4L * 1 * 2 * (15 * 6 + 15 * 5), Cost("GRU", [Z(4, 1, 6), Z(2, 15, 6), Z(2, 15, 5)], Z(4, 2, 1, 5)).Macs);
    }

    [Fact]
    public void Attention_counts_the_QK_and_PV_products()
    {
        // 4-D: B=2, H=3, S=4, T=6, D=8, D_v=10: QKᵀ B·H·S·T·D = 1152, PV B·H·S·T·D_v = 1440; 144 scores
        Assert.Equal((1152L + 1440, 2L * 2592 + 4 * 144), Cost("Attention", [Z(2, 3, 4, 8), Z(2, 3, 6, 8), Z(2, 3, 6, 10)], Z(2, 3, 4, 10)));
        // 3-D with 3 heads of 8 and a past of 12 keys: T = 6 + 12 over Q (2, 4, 24) and Y (2, 4, 24)
        var packed = Cost("Attention", [Z(2, 4, 24), Z(2, 6, 24), Z(2, 6, 24), null, Z(2, 3, 12, 8), Z(2, 3, 12, 8)], Z(2, 4, 24),
            n => n.Attributes.Set("q_num_heads", AttributeValue.Of(3L)));
        Assert.Equal((2L * 192 * 18, 4L * 192 * 18 + 4 * 2 * 3 * 4 * 18), packed);
    }

    [Fact]
    public void Elementwise_ops_cost_an_output_element_and_data_movement_costs_nothing()
    {
        Assert.Equal((0L, 24L), Cost("Relu", [Z(2, 3, 4)], Z(2, 3, 4)));
        Assert.Equal((0L, 0L), Cost("Reshape", [Z(2, 3, 4), Z(2)], Z(6, 4)));
        Assert.Equal((0L, 24L), Cost("ReduceMean", [Z(2, 3, 4)], Z(2, 1, 1)));
        Assert.Equal((0L, 4L * 9), Cost("MaxPool", [Z(1, 1, 4, 4)], Z(1, 1, 2, 2), n => n.Attributes.Set("kernel_shape", AttributeValue.Of(new long[] { 3, 3 }))));
    }
}
