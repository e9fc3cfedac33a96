using System.Buffers.Binary;
using System.Text;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

public sealed class GgufCheckerTests
{
    /// <summary>A small flux-like GGUF: metadata of every shape (string, numbers, bool, arrays, nested array) and three tensor
    /// types.</summary>
    private static GgufWriter Flux(uint version = 3) =>
        new GgufWriter(version)
            .String("general.architecture", "flux")
            .U32("general.quantization_version", 2)
            .F32Value("general.scale", 1.5f)
            .Bool("general.flag", true)
            .U32Array("tokenizer.ids", 1, 2, 3)
            .StringArray("tokenizer.ggml.tokens", "<s>", "</s>", "hello")
            .NestedArray("general.nested")
            .Tensor("img_in.weight", GgufWriter.F32, 8, 3)
            .Tensor("double_blocks.0.img_attn.qkv.weight", GgufWriter.Q8_0, 64, 2)
            .Tensor("double_blocks.0.img_mlp.0.weight", GgufWriter.Q4_K, 256, 2);

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    [InlineData(3u)]
    public void Valid_file_of_each_version_passes(uint version)
    {
        var check = Check(Flux(version).ToBytes());
        Assert.Equal((FormatStatus.Valid, "gguf"), (check.Status, check.Format));
    }

    [Fact]
    public void Custom_alignment_is_honoured()
    {
        Assert.Equal(FormatStatus.Valid, Check(Flux().Alignment(64).ToBytes()).Status);
    }

    [Fact]
    public void Truncated_tensor_data_names_the_last_tensor()
    {
        var bytes = Flux().ToBytes();
        AssertBroken(bytes[..^40], "truncated: tensor 'double_blocks.0.img_mlp.0.weight' ends at byte");
    }

    [Fact]
    public void Truncated_metadata_names_the_entry()
    {
        var bytes = Flux().ToBytes();
        var cut = Encoding.ASCII.GetString(bytes).IndexOf("hello", StringComparison.Ordinal) + 2;
        AssertBroken(bytes[..cut], "truncated: metadata entry 6 of 7 ('tokenizer.ggml.tokens'): 5 bytes needed at offset");
    }

    [Fact]
    public void Bad_magic_is_reported() => AssertBroken("GGML\u0003\0\0\0"u8.ToArray(), "no GGUF magic");

    [Fact]
    public void Unsupported_version_is_reported()
    {
        var bytes = Flux().ToBytes();
        bytes[4] = 9;
        AssertBroken(bytes, "unsupported GGUF version 9");
    }

    [Theory]
    [InlineData(
        ulong.MaxValue / 2,
        ulong.MaxValue / 2,
        "header claims 9,223,372,036,854,775,807 tensors and 9,223,372,036,854,775,807 metadata entries"
    )]
    [InlineData(0UL, 1_000_001UL, "header claims 0 tensors and 1,000,001 metadata entries")]
    [InlineData(1_000UL, 1_000UL, "header claims 1,000 tensors and 1,000 metadata entries, more than a 4,120-byte file can hold")]
    public void Huge_counts_are_refused_without_allocating(ulong tensors, ulong kvs, string expected)
    {
        var bytes = Header(tensors, kvs, new byte[4096]);
        var before = GC.GetAllocatedBytesForCurrentThread();
        AssertBroken(bytes, expected);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
    }

    [Fact]
    public void Huge_string_length_in_metadata_is_refused()
    {
        var body = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(body, ulong.MaxValue);
        AssertBroken(Header(0, 1, body), "metadata entry 1 of 1: a string of 18,446,744,073,709,551,615 bytes");
    }

    [Fact]
    public void Huge_array_count_is_truncation_not_allocation()
    {
        using var stream = new MemoryStream();
        stream.Write(Header(0, 1, []));
        stream.Write(Key("tokens"));
        stream.Write([9, 0, 0, 0, 8, 0, 0, 0]); // array of strings
        stream.Write(BitConverter.GetBytes(1UL << 60)); // count
        stream.Write(new byte[64]);
        AssertBroken(stream.ToArray(), "truncated: metadata entry 1 of 1 ('tokens'): 1,152,921,504,606,846,976 bytes needed");
    }

    [Fact]
    public void Unknown_value_type_is_reported()
    {
        using var stream = new MemoryStream();
        stream.Write(Header(0, 1, []));
        stream.Write(Key("general.odd"));
        stream.Write([13, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
        AssertBroken(stream.ToArray(), "metadata entry 1 of 1 ('general.odd'): unknown metadata value type 13");
    }

    [Fact]
    public void Duplicate_keys_and_tensor_names_are_invalid()
    {
        AssertBroken(Flux().String("general.architecture", "sd3").ToBytes(), "metadata key 'general.architecture' appears twice");
        AssertBroken(Flux().Tensor("img_in.weight", GgufWriter.F32, 4).ToBytes(), "tensor 'img_in.weight' appears twice");
    }

    [Fact]
    public void Rows_must_be_whole_quantization_blocks() =>
        AssertBroken(
            new GgufWriter().Tensor("w", GgufWriter.Q4_K, 100, 4).ToBytes(),
            "tensor 'w' has rows of 100 elements, not a multiple of its type's 256-element blocks"
        );

    [Fact]
    public void Too_many_dimensions_are_invalid() =>
        AssertBroken(
            new GgufWriter().Tensor("w", GgufWriter.F32, 1, 1, 1, 1, 1, 1, 1, 1, 1).ToBytes(),
            "tensor 'w' has 9 dimensions (at most 8)"
        );

    [Fact]
    public void Dimension_product_overflow_is_invalid() =>
        AssertBroken(
            new GgufWriter().Tensor("w", 99, 1UL << 40, 1UL << 40).ToBytes(),
            "tensor 'w' has dimensions whose product overflows 64 bits"
        );

    [Theory]
    [InlineData(48u, "general.alignment 48 is not a power of two")]
    [InlineData(0u, "general.alignment 0 is not a power of two")]
    public void Alignment_must_be_a_power_of_two(uint alignment, string expected) =>
        AssertBroken(new GgufWriter().U32("general.alignment", alignment).ToBytes(), expected);

    [Fact]
    public void Alignment_must_be_a_uint32() =>
        AssertBroken(
            new GgufWriter().String("general.alignment", "32").ToBytes(),
            "general.alignment has value type 8; it must be a uint32 (4)"
        );

    [Fact]
    public void Misaligned_tensor_offset_is_invalid()
    {
        var bytes = new GgufWriter().Tensor("a", GgufWriter.F32, 8).Tensor("b", GgufWriter.F32, 8).ToBytes();
        var offsetOfB = Encoding.ASCII.GetString(bytes).LastIndexOf('b') + 1 + 4 + 8 + 4;
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offsetOfB), 36);
        AssertBroken(bytes, "tensor 'b' data offset 36 is not a multiple of the alignment 32");
    }

    [Fact]
    public void Unknown_newer_tensor_type_is_not_sized_but_still_placed()
    {
        Assert.Equal(FormatStatus.Valid, Check(new GgufWriter().Tensor("nv", 40, 64).ToBytes()).Status);
    }

    private static byte[] Header(ulong tensors, ulong kvs, byte[] rest)
    {
        var bytes = new byte[24 + rest.Length];
        "GGUF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 3);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), tensors);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), kvs);
        rest.CopyTo(bytes, 24);
        return bytes;
    }

    private static byte[] Key(string key) => [.. BitConverter.GetBytes((ulong)key.Length), .. Encoding.UTF8.GetBytes(key)];

    private static FormatCheck Check(byte[] content)
    {
        using var dir = new TempDir();
        return ModelFormatChecker.Check(dir.Write("m.gguf", content));
    }

    private static void AssertBroken(byte[] content, string expected)
    {
        var check = Check(content);
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Contains(expected, check.Message, StringComparison.Ordinal);
    }
}
