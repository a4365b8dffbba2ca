using Google.Protobuf;
using Pare.Core;
using Pare.Graph;
using Pare.Graph.Execution;
using Pare.Onnx.Proto;
using static Pare.Onnx.Tests.ProtoBuild;

namespace Pare.Onnx.Tests;

/// <summary>Corrupt, hostile and unsupported model files (issue 4 "Must show"): each is refused with a
/// <see cref="PareException"/> naming the file, node or field, quickly and without large allocations.</summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pare-hostile-" + Guid.NewGuid().ToString("N"));
    private readonly string _outside = Path.Combine(Path.GetTempPath(), "pare-outside-" + Guid.NewGuid().ToString("N"));

    public HostileInputTests()
    {
        Directory.CreateDirectory(_dir);
        Directory.CreateDirectory(_outside);
        File.WriteAllBytes(Path.Combine(_outside, "w.bin"), new byte[16]);
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    /// <summary>Loads <paramref name="bytes"/> as a model file in the test folder and prepares a session.</summary>
    private Model LoadAndPrepare(byte[] bytes)
    {
        var path = Path.Combine(_dir, "model.onnx");
        File.WriteAllBytes(path, bytes);
        var model = OnnxModel.Load(path);
        _ = new InferenceSession(model);
        return model;
    }

    private T Refused<T>(ModelProto proto) where T : PareException => Assert.Throws<T>(() => LoadAndPrepare(proto.Bytes()));

    [Fact]
    public void The_valid_base_model_loads_and_runs()
    {
        var model = LoadAndPrepare(Chain().Bytes());
        var y = new InferenceSession(model).Run([Tensor.FromSpan<float>([-1f, 0f, 1f, 2f], new Shape(1, 4))])[0];
        Assert.Equal(0.5f, y.AsSpan<float>()[0]);
    }

    [Fact]
    public void Every_truncation_of_a_model_is_refused_or_still_valid()
    {
        var bytes = Chain().Bytes();
        for (var length = 0; length < bytes.Length; length++)
        {
            try
            {
                LoadAndPrepare(bytes[..length]);
            }
            catch (PareException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }
        var refused = Assert.Throws<OnnxFormatException>(() => LoadAndPrepare(bytes[..(bytes.Length / 2)]));
        Assert.Contains("model.onnx", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_bytes_are_not_a_model()
    {
        var e = Assert.Throws<OnnxFormatException>(() => LoadAndPrepare("this is not protobuf at all"u8.ToArray()));
        Assert.Contains("model.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_length_prefix_beyond_the_file_is_refused_without_allocating_it()
    {
        // field 7 (graph), length-delimited, claiming 2^31 - 1 bytes
        var bytes = new byte[] { 7 << 3 | 2, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 1, 2, 3 };
        Assert.Throws<OnnxFormatException>(() => LoadAndPrepare(bytes));
    }

    [Fact]
    public void Deeply_nested_messages_are_refused_by_depth_not_by_stack_overflow()
    {
        // graph → node → attribute → graph → ... 10 000 levels deep, each a length-delimited field that the parser
        // must descend into (GraphProto.node = 1, NodeProto.attribute = 5, AttributeProto.g = 6)
        const int Levels = 10_000;
        int[] fields = [1, 5, 6];
        var lengths = new long[Levels + 1]; // lengths[i] = payload bytes of level i (level Levels is empty)
        for (var level = Levels - 1; level >= 0; level--)
            lengths[level] = 1 + CodedOutputStream.ComputeLengthSize((int)lengths[level + 1]) + lengths[level + 1];
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(7, WireFormat.WireType.LengthDelimited); // ModelProto.graph
        output.WriteLength((int)lengths[0]);
        for (var level = 0; level < Levels; level++)
        {
            output.WriteTag(fields[level % 3], WireFormat.WireType.LengthDelimited);
            output.WriteLength((int)lengths[level + 1]);
        }
        output.Flush();
        var e = Assert.Throws<OnnxFormatException>(() => LoadAndPrepare(stream.ToArray()));
        Assert.Contains("not a valid ONNX model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_subgraphs_within_the_protobuf_limit_still_load()
    {
        var model = Chain();
        var graph = model.Graph;
        for (var level = 0; level < 20; level++)
        {
            var body = new GraphProto { Name = $"level{level}" };
            var node = Node($"if{level}", "If", ["x"], [$"o{level}"]);
            node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = body });
            graph.Node.Add(node);
            graph = body;
        }
        var path = Path.Combine(_dir, "nested.onnx");
        File.WriteAllBytes(path, model.Bytes());
        Assert.NotNull(OnnxModel.Load(path));
    }

    [Fact]
    public void External_data_at_an_absolute_path_is_refused()
    {
        var e = Refused<OnnxFormatException>(WithWeight(External(Path.Combine(_outside, "w.bin"), [1, 4])));
        Assert.Contains("initializer 'w'", e.Message, StringComparison.Ordinal);
        Assert.Contains("relative", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void External_data_reached_through_dot_dot_is_refused()
    {
        var relative = Path.Combine("..", Path.GetFileName(_outside), "w.bin");
        var e = Refused<OnnxFormatException>(WithWeight(External(relative, [1, 4])));
        Assert.Contains("leaves the model's folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void External_data_through_a_symbolic_link_out_of_the_folder_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(_dir, "link.bin"), Path.Combine(_outside, "w.bin"));
        Directory.CreateSymbolicLink(Path.Combine(_dir, "linkdir"), _outside);
        var file = Refused<OnnxFormatException>(WithWeight(External("link.bin", [1, 4])));
        Assert.Contains("link", file.Message, StringComparison.Ordinal);
        var folder = Refused<OnnxFormatException>(WithWeight(External(Path.Combine("linkdir", "w.bin"), [1, 4])));
        Assert.Contains("leaves the model's folder", folder.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void External_data_inside_the_folder_loads_and_a_range_past_its_end_is_refused()
    {
        File.WriteAllBytes(Path.Combine(_dir, "w.bin"), new byte[16]);
        var model = LoadAndPrepare(WithWeight(External("w.bin", [1, 4])).Bytes());
        Assert.Equal(new Shape(1, 4), model.Graph.Initializers["w"].Shape);
        var e = Refused<OnnxFormatException>(WithWeight(External("w.bin", [1, 4], offset: 8)));
        Assert.Contains("outside 'w.bin'", e.Message, StringComparison.Ordinal);
        Assert.Throws<OnnxFormatException>(() => LoadAndPrepare(WithWeight(External("missing.bin", [1, 4])).Bytes()));
        Assert.Throws<OnnxFormatException>(() => LoadAndPrepare(WithWeight(External(".", [1, 4])).Bytes()));
    }

    [Fact]
    public void External_data_in_a_model_without_a_folder_is_refused()
    {
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Parse(WithWeight(External("w.bin", [1, 4])).Bytes()));
        Assert.Contains("external", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_declared_tensor_of_two_to_the_forty_elements_is_refused_before_allocating()
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Refused<OnnxFormatException>(WithWeight(Floats("w", [1L << 20, 1L << 20])));
        Assert.Contains("initializer 'w'", e.Message, StringComparison.Ordinal);
        Assert.Contains("more than", e.Message, StringComparison.Ordinal);
        // nothing near the declared 4 TB (or even 1 GB) was allocated on the way
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 1L << 30);

        var external = Refused<OnnxFormatException>(WithWeight(External("w.bin", [1L << 20, 1L << 20])));
        Assert.Contains("more than", external.Message, StringComparison.Ordinal);
        Assert.Throws<OnnxFormatException>(() => LoadAndPrepare(WithWeight(Floats("w", [long.MaxValue, 4])).Bytes()));
        Assert.Throws<OnnxFormatException>(() => LoadAndPrepare(WithWeight(Floats("w", [-1, 4])).Bytes()));
    }

    [Fact]
    public void Tensor_data_that_does_not_match_its_dims_is_refused()
    {
        var e = Refused<OnnxFormatException>(WithWeight(Floats("w", [1, 4], 1f, 2f)));
        Assert.Contains("float_data has 2 values", e.Message, StringComparison.Ordinal);
        var raw = Floats("w", [1, 4]);
        raw.RawData = ByteString.CopyFrom(new byte[15]);
        Assert.Contains("raw_data has 15 bytes", Refused<OnnxFormatException>(WithWeight(raw)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_initializer_names_the_node_and_the_value()
    {
        var model = Chain();
        model.Graph.Node[1].Input.Add("bias_that_is_not_there");
        var e = Refused<GraphException>(model);
        Assert.Contains("node 'sigmoid'", e.Message, StringComparison.Ordinal);
        Assert.Contains("bias_that_is_not_there", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_graph_output_nobody_produces_is_refused_at_load()
    {
        var model = Chain();
        model.Graph.Output.Add(Value("ghost", 1, 4));
        var e = Refused<GraphException>(model);
        Assert.Contains("'ghost'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_graph_cycle_names_a_node_on_it()
    {
        var model = Chain();
        model.Graph.Node[0].Input[0] = "y"; // relu reads sigmoid's output, sigmoid reads relu's
        var e = Refused<GraphException>(model);
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
        Assert.Matches("node '(relu|sigmoid)'", e.Message);

        var self = Chain();
        self.Graph.Node[1].Input[0] = "y";
        Assert.Contains("cycle", Refused<GraphException>(self).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_producers_of_one_value_are_refused()
    {
        var model = Chain();
        model.Graph.Node.Add(Node("again", "Relu", ["x"], ["h"]));
        Assert.Contains("also produced", Refused<GraphException>(model).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_ops_and_domains_are_unsupported_by_name()
    {
        var op = Chain();
        op.Graph.Node[1].OpType = "FluxCapacitor";
        var e = Refused<UnsupportedOpException>(op);
        Assert.Contains("node 'sigmoid'", e.Message, StringComparison.Ordinal);
        Assert.Contains("FluxCapacitor", e.Message, StringComparison.Ordinal);

        var domain = Chain();
        domain.Graph.Node[1].Domain = "com.example.secret";
        domain.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.example.secret", Version = 1 });
        Assert.Contains("com.example.secret", Refused<UnsupportedOpException>(domain).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_opset_newer_than_supported_is_unsupported_by_number()
    {
        var e = Refused<UnsupportedOpException>(Chain(opset: Opset.MaxSupported + 1));
        Assert.Contains($"opset {Opset.MaxSupported + 1}", e.Message, StringComparison.Ordinal);
        Assert.Contains("model.onnx", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_element_types_are_unsupported_by_field()
    {
        var weight = Floats("w", [1, 4]);
        weight.DataType = (int)TensorProto.Types.DataType.Double;
        weight.DoubleData.AddRange([1, 2, 3, 4]);
        Assert.Contains("initializer 'w'", Refused<UnsupportedOpException>(WithWeight(weight)).Message, StringComparison.Ordinal);
        var unknown = Floats("w", [1, 4], 1, 2, 3, 4);
        unknown.DataType = 999;
        var e = Refused<OnnxFormatException>(WithWeight(unknown));
        Assert.Contains("initializer 'w'", e.Message, StringComparison.Ordinal);
        Assert.Contains("999", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Attributes_of_the_wrong_kind_or_unknown_kind_name_the_node_and_attribute()
    {
        var model = Chain();
        model.Graph.Node[0].Attribute.Add(new AttributeProto { Name = "weird", Type = (AttributeProto.Types.AttributeType)77 });
        var e = Refused<OnnxFormatException>(model);
        Assert.Contains("node 'relu'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'weird'", e.Message, StringComparison.Ordinal);

        var graphless = Chain();
        graphless.Graph.Node[0].Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph });
        Assert.Contains("graph missing", Refused<OnnxFormatException>(graphless).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_without_a_graph_or_with_unnamed_values_is_refused()
    {
        Assert.Contains("no graph", Assert.Throws<OnnxFormatException>(() => OnnxModel.Parse([])).Message, StringComparison.Ordinal);
        var unnamed = Chain();
        unnamed.Graph.Input[0].Name = "";
        Assert.Throws<OnnxFormatException>(() => LoadAndPrepare(unnamed.Bytes()));
    }

    [Fact]
    public void Input_files_that_do_not_fit_the_model_are_refused_by_name()
    {
        var model = OnnxModel.Parse(Chain().Bytes());
        var session = new InferenceSession(model);
        var folder = Path.Combine(_dir, "inputs");
        Assert.Throws<OnnxFormatException>(() => TestVectors.ReadInputs(folder, session.Inputs));
        Directory.CreateDirectory(folder);
        Assert.Contains("input_0.pb", Assert.Throws<OnnxFormatException>(() => TestVectors.ReadInputs(folder, session.Inputs)).Message, StringComparison.Ordinal);
        File.WriteAllBytes(Path.Combine(folder, "input_0.pb"), [0xFF, 0xFF, 0xFF]);
        Assert.Contains("input_0.pb", Assert.Throws<OnnxFormatException>(() => TestVectors.ReadInputs(folder, session.Inputs)).Message, StringComparison.Ordinal);
        TensorFile.Write(Path.Combine(folder, "input_0.pb"), Tensor.Zeros(new Shape(2, 4)), "x");
        var inputs = TestVectors.ReadInputs(folder, session.Inputs);
        Assert.Contains("'x'", Assert.Throws<GraphException>(() => session.Run(inputs)).Message, StringComparison.Ordinal);
    }
}
