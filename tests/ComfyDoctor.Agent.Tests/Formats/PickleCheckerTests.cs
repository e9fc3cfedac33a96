using System.Diagnostics;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>Pickles written by the real Python <c>pickle</c> module (never loaded back), and hostile ones by hand.</summary>
public sealed class PickleCheckerTests
{
    private const string Prelude = """
        import pickle, sys, zipfile, collections, io
        class Evil:
            def __init__(self, f, a): self.f, self.a = f, a
            def __reduce__(self): return (self.f, self.a)
        out = sys.argv[1]
        """;

    [Fact]
    public void Torch_style_zip_with_only_safe_imports_is_valid()
    {
        var check = FromPython(
            """
            data = pickle.dumps(
                collections.OrderedDict(w=set([1]), c=complex(1, 2), b=bytearray(b"x"), n=collections.Counter("ab")), protocol=2)
            with zipfile.ZipFile(out, "w") as z:
                z.writestr("archive/data.pkl", data)
                z.writestr("archive/data/0", b"\0" * 64)
            """,
            "model.pt"
        );
        Assert.Equal(FormatStatus.Valid, check.Status);
        Assert.Equal("zip-pickle", check.Format);
    }

    /// <summary>
    /// What <c>torch.save</c> writes, made by Python with a stand-in <c>torch</c> package (real modules, so the pickler
    /// writes real references): a protocol-2 OrderedDict of tensors rebuilt by <c>torch._utils._rebuild_tensor_v2</c>
    /// from persistent storages <c>('storage', torch.HalfStorage, key, 'cpu', n)</c>, in the zip layout and in the legacy one.
    /// </summary>
    [Theory]
    [InlineData("zip", "zip-pickle")]
    [InlineData("legacy", "pickle")]
    public void Torch_save_output_is_valid(string layout, string format)
    {
        var check = FromPython(
            $$"""
            import os
            root = os.path.dirname(out)
            os.makedirs(os.path.join(root, "torch"))
            open(os.path.join(root, "torch", "__init__.py"), "w").write("class HalfStorage:\n    pass\n")
            open(os.path.join(root, "torch", "_utils.py"), "w").write("def _rebuild_tensor_v2(*a):\n    pass\n")
            sys.path.insert(0, root)
            import torch, torch._utils
            class Ref:
                def __init__(self, key): self.key = key
            class Tensor:
                def __init__(self, key): self.key = key
                def __reduce_ex__(self, proto):
                    return (torch._utils._rebuild_tensor_v2, (Ref(self.key), 0, (2, 2), (2, 1), False, collections.OrderedDict()))
            class TorchPickler(pickle.Pickler):
                def persistent_id(self, obj):
                    return ("storage", torch.HalfStorage, obj.key, "cpu", 4) if isinstance(obj, Ref) else None
            state = collections.OrderedDict((f"model.layers.{i}.weight", Tensor(str(i))) for i in range(20))
            data = io.BytesIO()
            TorchPickler(data, protocol=2).dump(state)
            if "{{layout}}" == "zip":
                with zipfile.ZipFile(out, "w") as z:
                    z.writestr("archive/data.pkl", data.getvalue())
                    z.writestr("archive/byteorder", "little")
                    for i in range(20):
                        z.writestr(f"archive/data/{i}", b"\0" * 8)
                    z.writestr("archive/version", "3\n")
            else:
                f = open(out, "wb")
                for obj in (0x1950a86a20f9469cfc6c, 1001, {"protocol_version": 1001, "little_endian": True}):
                    pickle.dump(obj, f, protocol=2)
                f.write(data.getvalue())
                pickle.dump([str(i) for i in range(20)], f, protocol=2)
                for i in range(20):
                    f.write((4).to_bytes(8, "little") + b"\0" * 8)
            """,
            "model.pt"
        );
        Assert.Equal((FormatStatus.Valid, format), (check.Status, check.Format));
    }

    [Theory]
    [InlineData(2, "os.system", "posix.system")]
    [InlineData(4, "os.system", "posix.system")] // protocol 4: STACK_GLOBAL with memoised strings
    [InlineData(4, "eval", "builtins.eval")]
    [InlineData(0, "eval", "__builtin__.eval")] // protocols < 3 use Python 2 module names
    public void Code_execution_on_load_is_unsafe(int protocol, string function, string expectedImport)
    {
        var target = function == "eval" ? "eval, ('1+1',)" : "__import__('os').system, ('echo pwned',)";
        var check = FromPython($"open(out, 'wb').write(pickle.dumps(Evil({target}), protocol={protocol}))", "model.ckpt");
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Contains(expectedImport, check.Imports!);
        Assert.Contains(expectedImport, check.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Python's own output for a pickle handed to <c>pickle.loads</c>: protocols 0–2 write the inner bytes as
    /// <c>_codecs.encode(text, 'latin1')</c> (text lines at protocol 0), 3–5 as BINBYTES, memoised, framed at 4–5.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Nested_pickles_written_by_python_are_followed_at_every_protocol(int protocol)
    {
        var check = FromPython(
            $"""
            inner = pickle.dumps(Evil(__import__('os').system, ('echo pwned',)), protocol={protocol})
            open(out, 'wb').write(pickle.dumps([b"padding" * 100, Evil(pickle.loads, (inner,))], protocol={protocol}))
            """,
            "model.pt"
        );
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Contains("posix.system", check.Imports!);
        Assert.Contains(check.Imports!, i => i.EndsWith(".loads", StringComparison.Ordinal));
    }

    [Fact]
    public void Unsafe_pickle_inside_a_zip_is_found()
    {
        var check = FromPython(
            """
            with zipfile.ZipFile(out, "w") as z:
                z.writestr("archive/data.pkl", pickle.dumps(Evil(__import__('subprocess').call, (['id'],)), protocol=2))
            """,
            "model.pth"
        );
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Contains(check.Imports!, i => i is "subprocess.call" or "commands.call"); // protocol 2 writes Python 2 names
    }

    [Fact]
    public void Unknown_import_is_red_and_not_allowed()
    {
        var check = FromPython("import fractions\nopen(out, 'wb').write(pickle.dumps(fractions.Fraction(1, 3), protocol=3))", "x.pkl");
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Equal(["fractions.Fraction"], check.Imports);
        Assert.Equal(
            "imports fractions.Fraction, not allowed by torch's weights_only loader: the file is an attack or cannot load",
            check.Message
        );
    }

    [Fact]
    public void Legacy_torch_format_of_several_pickles_then_storage_bytes_is_valid()
    {
        var check = FromPython(
            """
            f = open(out, "wb")
            for obj in (0x1950a86a20f9469cfc6c, 1001, {"protocol_version": 1001}, collections.OrderedDict(a=1), ["0", "1"]):
                pickle.dump(obj, f, protocol=2)
            f.write(b"\x01\x02\x03" * 1000)
            """,
            "old.pt"
        );
        Assert.Equal(FormatStatus.Valid, check.Status);
    }

    [Fact]
    public void Legacy_storage_bytes_that_look_like_a_pickle_are_not_walked()
    {
        var check = FromPython(
            """
            f = open(out, "wb")
            for obj in (0x1950a86a20f9469cfc6c, 1001, {"protocol_version": 1001}, collections.OrderedDict(a=1), ["0"]):
                pickle.dump(obj, f, protocol=2)
            f.write(b"\x80\x02\xfe\xfe" + b"\0" * 64)
            """,
            "old.pth"
        );
        Assert.Equal(FormatStatus.Valid, check.Status);
    }

    [Fact]
    public void Legacy_file_cut_between_its_pickles_is_truncated()
    {
        var check = FromPython(
            """
            f = open(out, "wb")
            for obj in (0x1950a86a20f9469cfc6c, 1001):
                pickle.dump(obj, f, protocol=2)
            """,
            "old.pth"
        );
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Equal("truncated: the file ends after 2 of the 5 pickles of the legacy PyTorch format", check.Message);
    }

    [Fact]
    public void Truncated_pickle_is_invalid()
    {
        using var dir = new TempDir();
        var path = RunPython(dir, "open(out, 'wb').write(pickle.dumps(collections.OrderedDict(a=list(range(100))), protocol=2))", "t.ckpt");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        var check = ModelFormatChecker.Check(path);
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Contains("truncated", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_garbled_pickle_counts_as_unsafe()
    {
        using var dir = new TempDir();
        // PROTO 2, a safe GLOBAL, then an opcode that does not exist: what follows cannot be vouched for.
        var path = dir.Write("garbled.ckpt", [0x80, 0x02, .. "ccollections\nOrderedDict\n"u8.ToArray(), 0xfe, (byte)'.']);
        var check = ModelFormatChecker.Check(path);
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Contains("unknown opcode 0xfe", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_a_pickle_is_invalid()
    {
        using var dir = new TempDir();
        var check = ModelFormatChecker.Check(dir.WriteText("random.bin", "\u00ff\u00fe some text that is not a pickle"));
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Contains("not a pickle", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zip_without_a_pickle_member_is_invalid()
    {
        var check = FromPython("zipfile.ZipFile(out, 'w').writestr('readme.txt', 'hi')", "m.pt");
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Contains("without a .pkl member", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gigabyte_payload_is_skipped_not_read()
    {
        using var dir = new TempDir();
        var path = dir.Combine("big.pt");
        const long payload = 1L << 30;
        using (var file = new FileStream(path, FileMode.CreateNew))
        {
            file.Write([0x80, 0x04, 0x8e]); // PROTO 4, BINBYTES8
            file.Write(BitConverter.GetBytes(payload));
            file.Seek(payload, SeekOrigin.Current); // sparse: a gigabyte of zeros that takes no disk
            file.Write([(byte)'.']); // STOP
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var check = ModelFormatChecker.Check(path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(FormatStatus.Valid, check.Status);
        Assert.True(allocated < 16 << 20, $"allocated {allocated:N0} bytes scanning a 1 GiB pickle");
    }

    [Fact]
    public void Payload_longer_than_the_file_is_truncation()
    {
        using var dir = new TempDir();
        var path = dir.Write("short.pt", [0x80, 0x04, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 1, 2, 3]);
        var check = ModelFormatChecker.Check(path);
        Assert.Equal(FormatStatus.Invalid, check.Status);
        Assert.Contains("runs past the end", check.Message, StringComparison.Ordinal);
    }

    private static FormatCheck FromPython(string body, string fileName)
    {
        using var dir = new TempDir();
        return ModelFormatChecker.Check(RunPython(dir, body, fileName));
    }

    private static string RunPython(TempDir dir, string body, string fileName)
    {
        var script = dir.WriteText("make.py", Prelude + "\n" + body + "\n");
        var output = dir.Combine(fileName);
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(output);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return output;
    }
}
