using System.IO.Compression;
using Pare.Nn.Data;

namespace Pare.Nn.Tests.Data;

public sealed class IdxFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pare-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes, bool gzip)
    {
        var path = Path.Combine(_dir, name);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }
        using var f = File.Create(path);
        using var g = new GZipStream(f, CompressionLevel.Fastest);
        g.Write(bytes);
        return path;
    }

    private static byte[] Idx(byte type, int[] dims, byte[] values) =>
        [0, 0, type, (byte)dims.Length, .. dims.SelectMany(d => new[] { (byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d }), .. values];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Reads_dims_and_values(bool gzip)
    {
        var path = Write("ok.idx", Idx(8, [2, 3], [1, 2, 3, 4, 5, 6]), gzip);
        var (dims, values) = IdxFile.ReadBytes(path);
        Assert.Equal([2, 3], dims);
        Assert.Equal([1, 2, 3, 4, 5, 6], values);
    }

    [Fact]
    public void Truncated_file_names_the_file_and_the_counts()
    {
        var path = Write("short.idx", Idx(8, [2, 3], [1, 2, 3]), gzip: true);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadBytes(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("6", e.Message);
    }

    [Fact]
    public void Huge_declared_dims_are_rejected_before_allocation()
    {
        var path = Write("huge.idx", Idx(8, [1 << 30, 1 << 30], [1]), gzip: false);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.ReadBytes(path));
        Assert.Contains("more values than the file holds", e.Message);
    }

    [Fact]
    public void Wrong_magic_type_and_corrupt_gzip()
    {
        Assert.Contains("bad magic", Assert.Throws<InvalidDataException>(() => IdxFile.ReadBytes(Write("m.idx", [1, 2, 3, 4, 5], false))).Message);
        Assert.Contains("not uint8", Assert.Throws<InvalidDataException>(() => IdxFile.ReadBytes(Write("t.idx", Idx(0x0d, [1], [0, 0, 0, 0]), false))).Message);
        // A gzip stream cut short or garbled inside: whatever layer notices, the error names the file.
        var g = Write("g.idx", [0x1f, 0x8b, 8, 0, 9, 9, 9, 9, 9, 9, 9, 9], false);
        Assert.Contains(g, Assert.Throws<InvalidDataException>(() => IdxFile.ReadBytes(g)).Message);
        var good = File.ReadAllBytes(Write("good.idx", Idx(8, [64, 64], [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))]), true));
        for (int i = 20; i < good.Length - 8; i++) good[i] ^= 0x5a;
        var bad = Write("garbled.idx", good, false);
        Assert.Contains(bad, Assert.Throws<InvalidDataException>(() => IdxFile.ReadBytes(bad)).Message);
        Assert.Throws<FileNotFoundException>(() => IdxFile.ReadBytes(Path.Combine(_dir, "missing.idx")));
    }

    [Fact]
    public void Embedded_fashion_mnist_subset_loads_normalized()
    {
        var root = Paths.Resolve("data/fashion-mnist-subset");
        var (mean, std) = ImageDatasets.FashionMnistStats;
        var test = ImageDatasets.LoadIdx(Path.Combine(root, "t10k-images-idx3-ubyte.gz"), Path.Combine(root, "t10k-labels-idx1-ubyte.gz"), mean, std);
        Assert.Equal(new Pare.Core.Shape(1000, 1, 28, 28), test.Images.Shape);
        Assert.Equal(1000, test.Count);
        // Fashion-MNIST's first test label is 9 (ankle boot); a zero pixel normalizes to −mean/std.
        Assert.Equal(9f, test.Labels[0]);
        Assert.Equal((float)((0 / 255.0 - mean) / std), test.Images[0, 0, 0, 0]);
    }

    [SharedDataFact("shared/data/mnist/t10k-images-idx3-ubyte.gz", "shared/data/mnist/t10k-labels-idx1-ubyte.gz")]
    public void Real_mnist_test_set_has_10000_images()
    {
        var root = Paths.Resolve("shared/data/mnist");
        var test = ImageDatasets.LoadIdx(Path.Combine(root, "t10k-images-idx3-ubyte.gz"), Path.Combine(root, "t10k-labels-idx1-ubyte.gz"), 0.1307f, 0.3081f);
        Assert.Equal(10000, test.Count);
        Assert.Equal(7f, test.Labels[0]);
    }
}
