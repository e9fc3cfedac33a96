using System.Buffers.Binary;
using System.Text;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

public sealed class SafetensorsCheckerTests
{
    private const string TwoTensors = """{"__metadata__":{"format":"pt"},"a":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},"b":{"dtype":"F32","shape":[4],"data_offsets":[12,28]}}""";

    [Fact]
    public void Valid_file_passes()
    {
        var check = Check(Build(TwoTensors, 28));
        Assert.Equal(FormatStatus.Valid, check.Status);
        Assert.Equal("safetensors", check.Format);
    }

    [Fact]
    public void Sub_byte_and_empty_tensors_are_sized_correctly()
    {
        Assert.Equal(FormatStatus.Valid, Check(Build("""{"q":{"dtype":"F4","shape":[6],"data_offsets":[0,3]},"e":{"dtype":"F32","shape":[0],"data_offsets":[3,3]}}""", 3)).Status);
    }

    [Theory]
    [InlineData(20, "truncated: header says 28 bytes of tensor data, file has 20")]
    [InlineData(30, "2 trailing bytes after the last tensor")]
    public void Data_length_must_match_exactly(int dataBytes, string expected) =>
        AssertBroken(Build(TwoTensors, dataBytes), expected);

    [Theory]
    [InlineData("""{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"F16","shape":[2],"data_offsets":[2,6]}}""", 6, "overlap: tensor 'b' starts at 2, before the end of 'a' (4)")]
    [InlineData("""{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]}}""", 12, "gap: tensor 'b' starts at 8, after the end of 'a' (4)")]
    [InlineData("""{"a":{"dtype":"F16","shape":[2],"data_offsets":[4,8]}}""", 8, "gap: tensor 'a' starts at 4, after the start of the data")]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "tensor 'a': F32 × [3] is 12 bytes but data_offsets span 8")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}}""", 8, "tensor 'a' has shape [4294967296,4294967296,4294967296] whose size overflows")]
    [InlineData("""{"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}}""", 1, "tensor 'a' has unknown dtype 'Q9'")]
    [InlineData("""{"a":{"dtype":"U8","shape":[1]}}""", 1, "tensor 'a' lacks dtype, shape or data_offsets")]
    [InlineData("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", 2, "header names 'a' twice")]
    [InlineData("""{"__metadata__":{"n":1}}""", 0, "__metadata__ value 'n' is not a string")]
    [InlineData("""[1,2]""", 0, "header is not a JSON object")]
    [InlineData("""{"a": """, 0, "header is not valid JSON")]
    public void Inconsistent_headers_are_invalid(string header, int dataBytes, string expected) =>
        AssertBroken(Build(header, dataBytes), expected);

    [Fact]
    public void Huge_header_length_is_refused_without_allocating()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        AssertBroken(bytes, "header length 18,446,744,073,709,551,615 is outside 2..100,000,000 bytes");
    }

    [Fact]
    public void Header_length_beyond_the_file_is_truncation()
    {
        var bytes = new byte[40];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        AssertBroken(bytes, "truncated: header says 1,000 bytes of JSON, file has 32 after the length");
    }

    [Fact]
    public void Non_utf8_header_is_invalid()
    {
        var header = new byte[] { (byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}' };
        var bytes = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        AssertBroken(bytes, "header is not valid UTF-8");
    }

    [Fact]
    public void Tiny_file_is_invalid() => AssertBroken([1, 2, 3], "file is 3 bytes");

    /// <summary>8-byte length, the header as written, then <paramref name="dataBytes"/> bytes of data.</summary>
    internal static byte[] Build(string header, int dataBytes)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        return bytes;
    }

    private static FormatCheck Check(byte[] content)
    {
        using var dir = new TempDir();
        return ModelFormatChecker.Check(dir.Write("m.safetensors", content));
    }

    private static void AssertBroken(byte[] content, string expected)
    {
        var check = Check(content);
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.StartsWith(expected, check.Message, StringComparison.Ordinal);
    }
}
