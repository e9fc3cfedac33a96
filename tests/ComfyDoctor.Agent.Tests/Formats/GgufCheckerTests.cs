using System.Text;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

public sealed class GgufCheckerTests
{
    [Fact]
    public void Valid_file_with_metadata_arrays_and_tensors_passes()
    {
        Assert.Equal(FormatStatus.Valid, Check(Gguf()).Status);
    }

    [Fact]
    public void Custom_alignment_is_honoured()
    {
        Assert.Equal(FormatStatus.Valid, Check(Gguf(alignment: 64)).Status);
    }

    [Fact]
    public void Truncated_tensor_data_is_reported()
    {
        var bytes = Gguf();
        AssertBroken(bytes[..^10], "truncated: tensor 'blk.1.weight' ends at byte");
    }

    [Fact]
    public void Bad_magic_is_reported() => AssertBroken("GGML\u0003\0\0\0"u8.ToArray(), "no GGUF magic");

    [Fact]
    public void Unsupported_version_is_reported()
    {
        var bytes = Gguf();
        bytes[4] = 9;
        AssertBroken(bytes, "unsupported GGUF version 9");
    }

    [Fact]
    public void Huge_counts_are_refused_without_allocating()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("GGUF"u8);
            w.Write(3u);
            w.Write(ulong.MaxValue / 2);
            w.Write(ulong.MaxValue / 2);
        }

        AssertBroken(stream.ToArray(), "header claims");
    }

    [Fact]
    public void Huge_string_length_in_metadata_is_refused()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("GGUF"u8);
            w.Write(3u);
            w.Write(0UL);
            w.Write(1UL);
            w.Write(ulong.MaxValue);   // key length
            w.Write(new byte[64]);
        }

        AssertBroken(stream.ToArray(), "a string of 18,446,744,073,709,551,615 bytes");
    }

    [Fact]
    public void Truncated_metadata_is_reported()
    {
        var bytes = Gguf();
        AssertBroken(bytes[..100], "truncated:");
    }

    /// <summary>A GGUF v3 file: 3 metadata entries (a string, a u32 array, an alignment) and two F32 tensors.</summary>
    internal static byte[] Gguf(uint alignment = 32)
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write("GGUF"u8);
        w.Write(3u);
        w.Write(2UL);
        w.Write(3UL);
        Str(w, "general.architecture"); w.Write(8u); Str(w, "flux");
        Str(w, "tokenizer.ids"); w.Write(9u); w.Write(4u); w.Write(3UL); w.Write(1u); w.Write(2u); w.Write(3u);
        Str(w, "general.alignment"); w.Write(4u); w.Write(alignment);
        Tensor(w, "blk.0.weight", 8, 0);
        Tensor(w, "blk.1.weight", 4, alignment);   // 8 floats = 32 bytes, then aligned
        while (stream.Length % alignment != 0)
        {
            w.Write((byte)0);
        }

        w.Write(new byte[alignment + 16]);
        w.Flush();
        return stream.ToArray();
    }

    private static void Tensor(BinaryWriter w, string name, ulong elements, ulong offset)
    {
        Str(w, name);
        w.Write(1u);         // dims
        w.Write(elements);
        w.Write(0u);         // F32
        w.Write(offset);
    }

    private static void Str(BinaryWriter w, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

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
