using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Pare.Core.Random;
using Pare.Core.Serialization;

namespace Pare.Core.Tests.Serialization;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pare-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Round_trip_keeps_every_dtype_shape_and_value_and_is_byte_stable()
    {
        var rng = new Rng(1);
        var tensors = new Dictionary<string, Tensor>
        {
            ["w"] = Tensor.Normal([3, 5], 0, 1, rng),
            ["view"] = Tensor.Normal([4, 6], 0, 1, rng).Transpose(0, 1).Slice(0, 1, 5),
            ["scalar"] = Tensor.Scalar(2.5f),
            ["empty"] = Tensor.Zeros([0, 3]),
            ["i8"] = Tensor.FromSpan<sbyte>([-128, 0, 127], [3]),
            ["u8"] = Tensor.FromSpan<byte>([0, 255], [2]),
            ["i32"] = Tensor.FromSpan<int>([int.MinValue, 7], [2]),
            ["i64"] = Tensor.FromSpan<long>([long.MaxValue, -1], [2]),
            ["mask"] = Tensor.FromSpan<bool>([true, false, true], [3]),
        };
        var path = Path.Combine(_dir, "a.safetensors");
        SafeTensors.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pare" });
        var (read, meta) = SafeTensors.Read(path);
        Assert.Equal("pare", meta["format"]);
        Assert.Equal(tensors.Keys.Order(), read.Keys.Order());
        foreach (var (name, t) in tensors)
        {
            Assert.Equal(t.Shape, read[name].Shape);
            Assert.Equal(t.DType, read[name].DType);
            Assert.Equal(t.To(DType.Float32).ToArray<float>(), read[name].To(DType.Float32).ToArray<float>());
        }
        var again = Path.Combine(_dir, "b.safetensors");
        SafeTensors.Write(again, read, meta);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void Reads_a_file_written_by_an_independent_writer_from_pytorch_tensors()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Fixtures");
        var (read, meta) = SafeTensors.Read(Path.Combine(dir, "torch_state.safetensors"));
        Assert.Equal("pt", meta["format"]);
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "torch_state.json")));
        foreach (var e in expected.RootElement.EnumerateObject())
        {
            var t = read[e.Name];
            Assert.Equal(e.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()), t.Shape.Dims.ToArray());
            Assert.Equal(e.Value.GetProperty("data").EnumerateArray().Select(x => (float)x.GetDouble()), t.To(DType.Float32).ToArray<float>());
        }
        Assert.Equal(DType.Bool, read["mask"].DType);
        Assert.Equal(DType.Int64, read["bn.num_batches_tracked"].DType);
    }

    private string Hostile(string header, int dataBytes, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        var path = Path.Combine(_dir, $"h{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1048576,1048576],\"data_offsets\":[0,4]}}", 4, "more data than the file holds")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776],\"data_offsets\":[0,4]}}", 4, "invalid dimension")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", 8, "outside the data section")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 8, "needs 8 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "overlapping")]
    [InlineData("{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2, "unsupported dtype")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "invalid dimension")]
    [InlineData("{\"a\": [", 0, "not valid JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12, "cover 4")]
    public void Hostile_headers_are_rejected_with_the_file_named(string header, int dataBytes, string expected)
    {
        var path = Hostile(header, dataBytes);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_rejected_before_allocation()
    {
        var path = Hostile("{}", 0, declaredLength: ulong.MaxValue);
        Assert.Contains("header length", Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path)).Message);
    }

    [Fact]
    public void A_failed_write_leaves_the_old_file_and_no_temporary()
    {
        var path = Path.Combine(_dir, "keep.safetensors");
        File.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.WriteByte(1);
            throw new InvalidOperationException("disk full");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir));
    }
}
