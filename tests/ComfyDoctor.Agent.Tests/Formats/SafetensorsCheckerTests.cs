using System.Buffers.Binary;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

public sealed class SafetensorsCheckerTests
{
    private const string TwoTensors =
        """{"__metadata__":{"format":"pt"},"a":{"dtype":"F16","shape":[2,3],"data_offsets":[0,"""
        + """12]},"b":{"dtype":"F32","shape":[4],"data_offsets":[12,28]}}""";

    private static SafetensorsWriter Unet() =>
        new SafetensorsWriter()
            .Metadata("format", "pt")
            .Tensor("model.diffusion_model.input_blocks.0.0.weight", "F16", 320, 4, 3, 3)
            .Tensor("model.diffusion_model.input_blocks.0.0.bias", "F16", 320)
            .Tensor("model.diffusion_model.time_embed.0.weight", "BF16", 1280, 320)
            .Tensor("alphas_cumprod", "F32", 1000)
            .Tensor("scale", "F8_E4M3", 7)
            .Tensor("packed", "F4", 10);

    [Fact]
    public void Real_file_with_padded_header_and_mixed_dtypes_passes()
    {
        var check = Check(Unet().ToBytes());
        Assert.Equal(FormatStatus.Valid, check.Status);
        Assert.Equal("safetensors", check.Format);
        Assert.Null(check.Message);
    }

    [Fact]
    public void Sft_extension_is_checked_as_safetensors()
    {
        using var dir = new TempDir();
        var check = ModelFormatChecker.Check(dir.Write("flux.sft", Unet().ToBytes()));
        Assert.Equal(("safetensors", FormatStatus.Valid), (check.Format, check.Status));
    }

    [Fact]
    public void Download_cut_short_names_the_sizes_and_the_cut_tensor()
    {
        // 5 MiB of tensor data, of which the download delivered 4 MiB.
        var writer = new SafetensorsWriter()
            .Tensor("first", "F32", 1024, 512)
            .Tensor("second", "F32", 512, 1024)
            .Tensor("third", "U8", 1 << 20);
        var bytes = writer.ToBytes();
        Assert.Equal(5_242_880, writer.DataBytes);
        var cut = bytes[..^(1 << 20)];
        AssertBroken(cut, "truncated: header says 5,242,880 bytes of tensor data, file has 4,194,304 (tensor 'third' is missing)");
        AssertBroken(
            bytes[..^100],
            "truncated: header says 5,242,880 bytes of tensor data, file has 5,242,780 "
                + "(tensor 'third' is cut at 1,048,476 of 1,048,576 bytes)"
        );
    }

    [Fact]
    public void Trailing_bytes_are_invalid()
    {
        var bytes = Unet().ToBytes();
        AssertBroken([.. bytes, 1, 2, 3], "3 trailing bytes after the last tensor");
    }

    [Fact]
    public void Sub_byte_and_empty_tensors_are_sized_correctly()
    {
        Assert.Equal(
            FormatStatus.Valid,
            Check(
                SafetensorsWriter.Raw(
                    """{"q":{"dtype":"F4","shape":[6],"data_offsets":[0,3]},"e":{"dtype":"F32","shape":[0],"data_offsets":[3,"""
                        + """3]},"s":{"dtype":"F6_E3M2","shape":[4],"data_offsets":[3,6]}}""",
                    6
                )
            ).Status
        );
    }

    [Theory]
    [InlineData(20, "truncated: header says 28 bytes of tensor data, file has 20 (tensor 'b' is cut at 8 of 16 bytes)")]
    [InlineData(30, "2 trailing bytes after the last tensor (header says 28 bytes of tensor data, file has 30)")]
    public void Data_length_must_match_exactly(int dataBytes, string expected) =>
        AssertBroken(SafetensorsWriter.Raw(TwoTensors, dataBytes), expected);

    [Theory]
    [InlineData(
        """{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"F16","shape":[2],"data_offsets":[2,6]}}""",
        6,
        "overlap: tensor 'b' starts at 2, before the end of 'a' (4)"
    )]
    [InlineData(
        """{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]}}""",
        12,
        "gap: tensor 'b' starts at 8, after the end of 'a' (4)"
    )]
    [InlineData(
        """{"a":{"dtype":"F16","shape":[2],"data_offsets":[4,8]}}""",
        8,
        "gap: tensor 'a' starts at 4, after the start of the data"
    )]
    [InlineData(
        """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""",
        8,
        "tensor 'a': F32 × [3] is 12 bytes but data_offsets span 8"
    )]
    [InlineData(
        """{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}""",
        2,
        "tensor 'a': 3 F4 elements are 12 bits, not a whole number of bytes"
    )]
    [InlineData(
        """{"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,8]}}""",
        8,
        "tensor 'a' has shape [4294967296,4294967296,4294967296] whose size overflows"
    )]
    [InlineData(
        """{"a":{"dtype":"F32","shape":[2305843009213693952,4],"data_offsets":[0,8]}}""",
        8,
        "tensor 'a' has shape [2305843009213693952,4] whose size overflows"
    )]
    [InlineData(
        """{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""",
        4,
        "tensor 'a' has shape [-1] with a dimension that is not a non-negative integer"
    )]
    [InlineData(
        """{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""",
        4,
        "tensor 'a' has data_offsets [4,0] (need integers 0 ≤ begin ≤ end)"
    )]
    [InlineData("""{"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}}""", 1, "tensor 'a' has unknown dtype 'Q9'")]
    [InlineData("""{"a":{"dtype":"U8","shape":[1]}}""", 1, "tensor 'a' lacks dtype, shape or data_offsets")]
    [InlineData("""{"a":[1,2]}""", 1, "tensor 'a' lacks dtype, shape or data_offsets")]
    [InlineData(
        """{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""",
        2,
        "header names 'a' twice"
    )]
    [InlineData("""{"a":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}}""", 1, "tensor 'a' names 'dtype' twice")]
    [InlineData("""{"__metadata__":{"k":"1","k":"2"}}""", 0, "__metadata__ names 'k' twice")]
    [InlineData("""{"__metadata__":{"n":1}}""", 0, "__metadata__ value 'n' is not a string")]
    [InlineData("""{"__metadata__":"pt"}""", 0, "__metadata__ is not an object")]
    [InlineData("""[1,2]""", 0, "header is not a JSON object")]
    [InlineData("""{"a": """, 0, "header is not valid JSON")]
    public void Inconsistent_headers_are_invalid(string header, int dataBytes, string expected) =>
        AssertBroken(SafetensorsWriter.Raw(header, dataBytes), expected);

    [Theory]
    [InlineData(ulong.MaxValue, "header length 18,446,744,073,709,551,615 is outside 2..100,000,000 bytes")]
    [InlineData(1UL << 63, "header length 9,223,372,036,854,775,808 is outside 2..100,000,000 bytes")]
    [InlineData(100_000_001UL, "header length 100,000,001 is outside 2..100,000,000 bytes")]
    [InlineData(1UL, "header length 1 is outside 2..100,000,000 bytes")]
    public void Impossible_header_length_is_refused_without_allocating(ulong length, string expected)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
        AssertBroken(bytes, expected);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_truncation()
    {
        var bytes = new byte[40];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        AssertBroken(bytes, "truncated: header says 1,000 bytes of JSON, file has 32 after the length");
    }

    [Fact]
    public void Non_utf8_header_is_invalid() =>
        AssertBroken(
            SafetensorsWriter.Raw([(byte)'{', (byte)'"', 0xff, 0xfe, (byte)'"', (byte)':', (byte)'1', (byte)'}'], 0),
            "header is not valid UTF-8"
        );

    [Fact]
    public void Tiny_file_is_invalid() => AssertBroken([1, 2, 3], "file is 3 bytes");

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
