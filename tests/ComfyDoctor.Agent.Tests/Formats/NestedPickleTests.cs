using System.Text;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>Pickles inside pickles (bytes handed to a loader) and NumPy object arrays are walked like any pickle.</summary>
public sealed class NestedPickleTests
{
    private static readonly byte[] Evil = PickleSamples.Calls("os", "system");

    [Theory]
    [InlineData("pickle", "loads")]
    [InlineData("_pickle", "loads")]
    [InlineData("torch", "load")]
    [InlineData("torch.storage", "_load_from_bytes")]
    [InlineData("cPickle", "loads")]
    public void Bytes_handed_to_a_loader_are_walked_and_what_they_import_is_named(string module, string name)
    {
        var check = Check(HandTo(module, name, new PickleBuilder().Proto(4).BinBytes(Evil)));
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Equal([$"{module}.{name}", "os.system"], check.Imports);
    }

    [Theory]
    [InlineData("latin1")]
    [InlineData("latin-1")]
    [InlineData(null)] // _codecs.encode's default is UTF-8; a pickle whose bytes are all ASCII survives it
    public void Codecs_encoded_text_is_the_bytes_protocol_2_writes(string? encoding)
    {
        var text = new PickleBuilder()
            .Proto(2)
            .Global("_codecs", "encode")
            .BinUnicode(Encoding.Latin1.GetString(encoding is null ? Protocol0Evil() : Evil));
        text = encoding is null ? text.Tuple1() : text.BinUnicode(encoding).Raw(0x86);
        var check = Check(HandTo("pickle", "loads", text.Reduce()));
        Assert.Contains(encoding is null ? "posix.system" : "os.system", check.Imports!);
    }

    [Fact]
    public void A_torch_zip_handed_to_torch_load_is_walked_as_a_zip()
    {
        var check = Check(HandTo("torch", "load", new PickleBuilder().Proto(4).BinBytes(PickleSamples.Torch(Evil))));
        Assert.Equal(["torch.load", "os.system"], check.Imports);
    }

    [Fact]
    public void A_large_payload_is_read_back_from_its_place_only_when_a_loader_takes_it()
    {
        // 64 KiB of padding inside the nested pickle: kept by its place in the (seekable) file, not in memory.
        var padded = new PickleBuilder().Proto(4).BinBytes(new byte[64 << 10]).Pop().Raw(Evil[2..]).ToBytes();
        var check = Check(HandTo("pickle", "loads", new PickleBuilder().Proto(4).BinBytes(padded)), raw: true);
        Assert.Equal(["pickle.loads", "os.system"], check.Imports);
    }

    [Fact]
    public void Nesting_deeper_than_the_bound_is_red_not_followed_for_ever()
    {
        var pickle = Evil;
        for (var i = 0; i <= PickleScanner.MaxDepth; i++)
        {
            pickle = HandTo("pickle", "loads", new PickleBuilder().Proto(4).BinBytes(pickle));
        }

        var check = Check(pickle);
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Contains("pickles nested more than 4 deep", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_payload_handed_to_a_loader_again_and_again_is_walked_once()
    {
        var padded = new PickleBuilder().Proto(4).BinBytes(new byte[512 << 10]).Pop().Raw(Evil[2..]).ToBytes();
        var pickle = new PickleBuilder().Proto(4).BinBytes(padded).BinPut(0).Pop();
        for (var i = 0; i < 1000; i++)
        {
            pickle.Global("pickle", "loads").BinGet(0).Tuple1().Reduce().Pop(); // 500 MB if each call were walked again
        }

        var check = Check(pickle.Stop().ToBytes(), raw: true);
        Assert.Equal(
            "imports known code-execution gadgets: pickle.loads (loads another pickle with an unrestricted unpickler), os.system "
                + "(runs shell commands or programs)",
            check.Message
        );
    }

    [Fact]
    public void Payloads_handed_to_loaders_are_walked_within_one_budget_per_file()
    {
        // 65 distinct 1 MiB payloads, each a pickle whose bulk is a skipped BINBYTES8 (written sparse).
        using var dir = new TempDir();
        var path = dir.Combine("many.pt");
        using (var file = new FileStream(path, FileMode.CreateNew))
        {
            file.Write([0x80, 0x02]);
            const int Inner = 1 << 20;
            for (var i = 0; i < 65; i++)
            {
                file.Write(new PickleBuilder().Global("pickle", "loads").ToBytes());
                file.Write([(byte)'B', .. BitConverter.GetBytes(Inner), 0x80, 0x04, 0x8e, .. BitConverter.GetBytes((long)Inner - 12)]);
                file.Seek(Inner - 12, SeekOrigin.Current);
                file.Write([(byte)'.', 0x85, (byte)'R', (byte)'0']);
            }

            file.Write([(byte)'.']);
        }

        var check = ModelFormatChecker.Check(path);
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.EndsWith(
            "also: the pickles handed to loaders hold more than the 67,108,864 bytes a scan walks again",
            check.Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_numpy_object_array_is_a_pickle_and_a_plain_one_is_data()
    {
        Assert.Equal(["os.system"], CheckNamed("a.npy", PickleSamples.Npy("|O", Evil)).Imports);
        Assert.Equal(["os.system"], CheckNamed("a.npy", PickleSamples.Npy("[('x', '<f4'), ('y', [('z', '|O')])]", Evil)).Imports);
        Assert.Equal(FormatStatus.Valid, CheckNamed("a.npy", PickleSamples.Npy("<f2", new byte[8], "(2, 2)")).Status);
    }

    [Fact]
    public void A_numpy_array_shorter_than_its_shape_is_truncated()
    {
        var check = CheckNamed("a.npy", PickleSamples.Npy("<f4", new byte[10], "(2, 3)"));
        Assert.Equal(FormatStatus.Invalid, check.Status);
        // a 128-byte header, then 10 of 24 data bytes
        Assert.Equal("truncated: the array's shape needs 152 bytes, the file holds 138", check.Message);
    }

    [Fact]
    public void A_header_padded_to_the_limit_is_read_and_a_longer_one_refused()
    {
        var padded = NpyWithHeader(1, "{'descr': '<f4', " + new string(' ', 60_000) + "'fortran_order': False, 'shape': (1,), }");
        Assert.Equal(FormatStatus.Valid, CheckNamed("a.npy", padded).Status);
        var longer = NpyWithHeader(2, "{'descr': '<f4', " + new string(' ', 70_000) + "'fortran_order': False, 'shape': (1,), }");
        Assert.Equal(
            $"NumPy header of {longer.Length - 12 - 4:N0} bytes, longer than any array needs",
            CheckNamed("a.npy", longer).Message
        );
    }

    [Fact]
    public void An_npz_member_is_walked_like_a_file()
    {
        var npz = new ZipBuilder()
            .Add("w.npy", PickleSamples.Npy("<f4", new byte[4]))
            .Add("o.NPY", PickleSamples.Npy("|O", Evil), deflate: true)
            .ToBytes();
        Assert.Equal(["os.system"], CheckNamed("a.npz", npz).Imports);
    }

    /// <summary>A <c>.npy</c> of version 1 (16-bit header length) or 2 (32-bit) around <paramref name="dict"/>, with one float.</summary>
    private static byte[] NpyWithHeader(byte major, string dict)
    {
        var header = Encoding.Latin1.GetBytes(dict + "\n");
        byte[] length = major == 1 ? BitConverter.GetBytes((ushort)header.Length) : BitConverter.GetBytes(header.Length);
        return [0x93, .. "NUMPY"u8, major, 0, .. length, .. header, 0, 0, 0, 0];
    }

    /// <summary>A protocol-0 pickle (ASCII only) calling <c>posix.system</c>.</summary>
    private static byte[] Protocol0Evil() => "cposix\nsystem\n(S'id'\ntR."u8.ToArray();

    private static byte[] HandTo(string module, string name, PickleBuilder argument) =>
        new PickleBuilder().Proto(2).Global(module, name).Raw(argument.ToBytes()[2..]).Tuple1().Reduce().Stop().ToBytes();

    private static FormatCheck Check(byte[] pickle, bool raw = false) => CheckNamed("model.pt", raw ? pickle : PickleSamples.Torch(pickle));

    private static FormatCheck CheckNamed(string name, byte[] content)
    {
        using var dir = new TempDir();
        return ModelFormatChecker.Check(dir.Write(name, content));
    }
}
