using System.Text;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>What a sample is: an attack (must be red and name <see cref="PickleSample.Names"/>), a file ComfyUI loads
/// (must be green), or a harmless file torch's weights_only loader refuses (must be red, said to be benign).</summary>
internal enum SampleKind
{
    Malicious,
    Benign,
    RefusedBenign,
}

internal sealed record PickleSample(string Technique, SampleKind Kind, string FileName, byte[] Content, string? Names = null);

/// <summary>
/// The sample set of issue 17: hostile pickles for each technique of the public advisories against picklescan,
/// modelscan and fickling (written here from their descriptions, byte by byte), and benign files laid out as
/// <c>torch.save</c> and Stable Diffusion checkpoints are. Everything is built in memory; nothing is fetched.
/// </summary>
internal static class PickleSamples
{
    /// <summary>Globals the advisories name, each called with one string argument from a torch zip's data.pkl.</summary>
    private static readonly (string Module, string Name)[] Gadgets =
    [
        ("torch.utils.collect_env", "run"),
        ("pkgutil", "resolve_name"),
        ("idlelib.pyshell", "ModifiedInterpreter.runcode"),
        ("pydoc", "pipepager"),
        ("doctest", "debug_script"),
        ("uuid", "_get_command_stdout"),
        ("logging", "FileHandler"),
        ("torch._inductor.codecache", "compile_file"),
        ("os", "system"),
        ("posix", "system"),
        ("subprocess", "Popen"),
        ("builtins", "eval"),
        ("builtins", "exec"),
        ("__builtin__", "eval"),
        ("commands", "getoutput"),
        ("runpy", "_run_code"),
        ("code", "InteractiveInterpreter.runcode"),
        ("cProfile", "runctx"),
        ("profile", "Profile.run"),
        ("trace", "Trace.run"),
        ("timeit", "timeit"),
        ("bdb", "Bdb.run"),
        ("pdb", "run"),
        ("lib2to3.pgen2.grammar", "Grammar.loads"),
        ("idlelib.run", "Executive.runcode"),
        ("idlelib.debugobj", "ObjectTreeItem"),
        ("ensurepip", "_run_pip"),
        ("pip", "main"),
        ("webbrowser", "open"),
        ("asyncio.unix_events", "_UnixSubprocessTransport"),
        ("_io", "FileIO"),
        ("io", "FileIO"),
        ("distutils.file_util", "write_file"),
        ("shutil", "rmtree"),
        ("numpy.testing._private.utils", "runstring"),
        ("numpy.f2py.crackfortran", "getlincoef"),
        ("operator", "attrgetter"),
        ("_operator", "methodcaller"),
        ("functools", "partial"),
        ("builtins", "getattr"),
        ("torch.utils.bottleneck.__main__", "run_autograd_prof"),
        ("torch.hub", "load"),
        ("torch.storage", "_load_from_bytes"),
        ("pickle", "loads"),
        ("_pickle", "loads"),
        ("socket", "create_connection"),
        ("requests", "get"),
        ("importlib", "import_module"),
        ("ctypes", "CDLL"),
        ("marshal", "loads"),
        ("types", "FunctionType"),
        ("platform", "popen"),
        ("torch.jit", "load"),
        ("torch.fx.graph_module", "reduce_graph_module"),
        ("torch.serialization", "load"),
        ("torch", "load"),
        ("numpy", "load"),
    ];

    /// <summary>Globals nobody lists as gadgets but torch's loader refuses: an attack through unknown code, or a file that cannot
    /// load.</summary>
    private static readonly (string Module, string Name)[] Unknown =
    [
        ("__main__", "Payload"),
        ("mypkg.loader", "Hook"),
        ("torch.utils.data", "DataLoader"),
        ("torch._utils", "_import_dotted_name"),
        ("torch._C", "_set_grad_enabled"),
        ("collections", "namedtuple"),
        ("copyreg", "_reconstructor"),
    ];

    public static IEnumerable<PickleSample> All() => MaliciousSamples().Concat(BenignSamples());

    private static IEnumerable<PickleSample> MaliciousSamples()
    {
        foreach (var (module, name) in Gadgets.Concat(Unknown))
        {
            yield return Bad($"import {module}.{name}", "model.pt", Torch(Calls(module, name)), $"{module}.{name}");
        }

        var evil = Calls("os", "system");
        yield return Bad("raw pickle named .safetensors", "model.safetensors", evil, "os.system");
        yield return Bad("zip named .safetensors", "model.safetensors", Torch(evil), "os.system");
        yield return Bad("zip named .bin", "pytorch_model.bin", Torch(evil), "os.system");
        yield return Bad("zip named .ckpt, deflated", "model.ckpt", ZipBuilder.Torch(evil, deflate: true).ToBytes(), "os.system");
        yield return Bad("data.pkl under another top folder", "model.pth", ZipBuilder.Torch(evil, "my_model_v2").ToBytes(), "os.system");
        yield return Bad(
            "member name in capitals (miniz looks names up ignoring case)",
            "model.pth",
            Zip(new("archive/DATA.PKL", evil)),
            "os.system"
        );
        yield return Bad(
            "bad CRC (torch does not check it)",
            "model.pt",
            Zip(new("archive/data.pkl", evil) { Crc = 0xDEADBEEF }),
            "os.system"
        );
        yield return Bad("bad CRC, deflated", "model.pt", Zip(new("archive/data.pkl", evil) { Crc = 1, Deflate = true }), "os.system");
        yield return Bad("encrypted flag on data.pkl", "model.pt", Zip(new("archive/data.pkl", evil) { Flags = 1 }), "os.system");
        yield return Bad("data-descriptor and UTF-8 flags", "model.pt", Zip(new("archive/data.pkl", evil) { Flags = 0x808 }), "os.system");
        yield return Bad(
            "local header names another file",
            "model.pt",
            Zip(new("archive/data.pkl", evil) { LocalName = "archive/notes.txt" }),
            "os.system"
        );
        yield return Bad(
            "local extra field hides a decoy",
            "model.pt",
            Zip(new("archive/data.pkl", evil) { LocalExtra = Extra(StateDict()) }),
            "os.system"
        );
        yield return Bad(
            "local header says deflated, directory says stored",
            "model.pt",
            Zip(new("archive/data.pkl", evil) { LocalMethod = 8 }),
            "os.system"
        );
        yield return Bad(
            "two data.pkl, the second hostile",
            "model.pt",
            new ZipBuilder().Add("archive/data.pkl", StateDict()).Add("archive/data.pkl", evil).ToBytes(),
            "os.system"
        );
        yield return Bad(
            "pickle handed to pickle.loads as bytes",
            "model.pt",
            Torch(Loads("pickle", "loads", new PickleBuilder().Proto(4).BinBytes(evil))),
            "os.system"
        );
        yield return Bad(
            "pickle handed to _pickle.loads as _codecs.encode'd text",
            "model.pt",
            Torch(Loads("_pickle", "loads", Encoded(evil))),
            "os.system"
        );
        yield return Bad(
            "torch zip handed to torch.storage._load_from_bytes",
            "model.pt",
            Torch(Loads("torch.storage", "_load_from_bytes", new PickleBuilder().Proto(4).BinBytes(Torch(evil)))),
            "os.system"
        );
        yield return Bad(
            "pickle in BytesIO handed to torch.load",
            "model.pt",
            Torch(
                Loads(
                    "torch",
                    "load",
                    new PickleBuilder()
                        .Proto(2)
                        .Global("_io", "BytesIO")
                        .Raw(new PickleBuilder().Proto(4).BinBytes(evil).ToBytes()[2..])
                        .Tuple1()
                        .Reduce()
                )
            ),
            "os.system"
        );
        yield return Bad("NumPy object array (.npy)", "array.npy", Npy("|O", evil), "os.system");
        yield return Bad("NumPy object array named .pt", "model.pt", Npy("|O", evil), "os.system");
        yield return Bad(
            "NumPy .npz with an object array",
            "arrays.npz",
            new ZipBuilder().Add("weights.npy", Npy("<f4", new byte[16], "(4,)")).Add("meta.npy", Npy("[('name', '|O')]", evil)).ToBytes(),
            "os.system"
        );
        yield return Bad(
            "stream cut after the gadget",
            "model.ckpt",
            new PickleBuilder().Proto(2).Global("os", "system").ShortBinUnicode("id").ToBytes(),
            "os.system"
        );
        yield return Bad(
            "unknown opcode after the gadget",
            "model.ckpt",
            new PickleBuilder().Proto(2).Global("os", "system").Raw(0xfe).Stop().ToBytes(),
            "os.system"
        );
        yield return Bad("gadget in the third pickle of a legacy file", "old.pt", Legacy(evil), "os.system");
        yield return Bad(
            "escaped protocol-0 strings",
            "model.ckpt",
            new PickleBuilder().Proto(4).String(@"'o\x73'").String(@"'sys\164em'").StackGlobal().CallWithOneString().Stop().ToBytes(),
            "os.system"
        );
        yield return Bad(
            "sys.modules swapped",
            "model.pt",
            Torch(
                new PickleBuilder()
                    .Proto(2)
                    .Global("sys", "modules")
                    .ShortBinUnicode("collections")
                    .Global("posix", "__dict__")
                    .Raw((byte)'s')
                    .Stop()
                    .ToBytes()
            ),
            "sys.modules"
        );
        yield return Bad(
            "dotted name walking into os",
            "model.pt",
            Torch(Calls("torch", "serialization.os.system")),
            "torch.serialization.os.system"
        );
        yield return Bad(
            "dunder walk from an allowed class",
            "model.pt",
            Torch(Calls("collections", "OrderedDict.__init__.__globals__")),
            "collections.OrderedDict.__init__.__globals__"
        );
        yield return Bad(
            "copyreg extension code",
            "model.pt",
            Torch(new PickleBuilder().Proto(2).Ext1(7).CallWithOneString().Stop().ToBytes()),
            "copyreg.extension 7"
        );
        yield return Bad(
            "untraceable STACK_GLOBAL",
            "model.pt",
            Torch(
                new PickleBuilder()
                    .Proto(4)
                    .BinUnicode(new string('m', 300))
                    .ShortBinUnicode("system")
                    .StackGlobal()
                    .CallWithOneString()
                    .Stop()
                    .ToBytes()
            ),
            "?.system"
        );
        yield return Bad(
            "INST opcode",
            "model.pt",
            Torch(new PickleBuilder().Mark().ShortBinUnicode("id").Inst("subprocess", "check_output").Stop().ToBytes()),
            "subprocess.check_output"
        );
    }

    private static IEnumerable<PickleSample> BenignSamples()
    {
        yield return Good("torch.save state dict (protocol 2, stored)", "model.pt", Torch(StateDict()));
        yield return Good("torch.save state dict (deflated, .ckpt)", "model.ckpt", ZipBuilder.Torch(StateDict(), deflate: true).ToBytes());
        yield return Good(
            "state dict under another top folder (.bin)",
            "pytorch_model.bin",
            ZipBuilder.Torch(StateDict(), "pytorch_model").ToBytes()
        );
        yield return Good("data-descriptor flag, UTF-8 names", "model.pth", Zip(new("archive/data.pkl", StateDict()) { Flags = 0x808 }));
        yield return Good(
            "Stable Diffusion .ckpt (Lightning callback, numpy global step)",
            "sd.ckpt",
            Torch(StableDiffusion("numpy.core.multiarray"))
        );
        yield return Good("Stable Diffusion .ckpt saved with numpy 2", "sd2.ckpt", Torch(StableDiffusion("numpy._core.multiarray")));
        yield return Good("parameters, fp8 and bf16 through _rebuild_tensor_v3", "model.pt", Torch(Rebuilds()));
        yield return Good("quantised tensor", "q.pt", Torch(Quantised()));
        yield return Good("Counter, set, complex, bytearray, Size, device", "misc.pt", Torch(Containers()));
        yield return Good("legacy torch file", "old.pt", Legacy(StateDict()));
        yield return Good("raw protocol-2 state dict", "raw.pth", StateDict());
        yield return Good("NumPy float array", "array.npy", Npy("<f4", new byte[24], "(2, 3)"));
        yield return Good(
            "NumPy .npz of float arrays",
            "arrays.npz",
            new ZipBuilder()
                .Add("a.npy", Npy("<f8", new byte[16], "(2,)"))
                .Add("b.npy", Npy("|u1", new byte[3], "(3,)"), deflate: true)
                .ToBytes()
        );
        yield return Good("NumPy object array of numbers", "objects.npy", Npy("|O", ObjectArray()));

        yield return Refused("argparse hyper-parameters", "hparams.ckpt", Torch(Build("argparse", "Namespace")));
        yield return Refused(
            "Lightning AttributeDict",
            "lightning.ckpt",
            Torch(Build("pytorch_lightning.utilities.parsing", "AttributeDict"))
        );
        yield return Refused("slice and frozenset", "plain.pt", Torch(Build("builtins", "slice")));
        yield return Refused("numpy array in a checkpoint", "np.ckpt", Torch(ObjectArray()));
    }

    /// <summary>What torch.save writes for <c>{"weight": torch.zeros(8, 8)}</c>: an OrderedDict of a tensor rebuilt from a persistent
    /// storage.</summary>
    public static byte[] StateDict() =>
        new PickleBuilder()
            .Proto(2)
            .Global("collections", "OrderedDict")
            .EmptyTuple()
            .Reduce()
            .BinPut(0)
            .Mark()
            .BinUnicode("weight")
            .Global("torch._utils", "_rebuild_tensor_v2")
            .Mark()
            .Mark()
            .BinUnicode("storage")
            .Global("torch", "FloatStorage")
            .BinUnicode("0")
            .BinUnicode("cpu")
            .BinInt1(64)
            .Tuple()
            .Raw((byte)'Q')
            .BinInt1(0)
            .BinInt1(8)
            .BinInt1(8)
            .Raw(0x86)
            .BinInt1(8)
            .BinInt1(1)
            .Raw(0x86)
            .Raw(0x89)
            .Global("collections", "OrderedDict")
            .EmptyTuple()
            .Reduce()
            .Tuple()
            .Reduce()
            .Raw((byte)'u')
            .Stop()
            .ToBytes();

    /// <summary><c>module.name('echo pwned')</c>; a dotted name is written with STACK_GLOBAL (protocol 4), as Python does.</summary>
    public static byte[] Calls(string module, string name) =>
        (
            name.Contains('.', StringComparison.Ordinal)
                ? new PickleBuilder().Proto(4).ShortBinUnicode(module).ShortBinUnicode(name).StackGlobal()
                : new PickleBuilder().Proto(2).Global(module, name)
        )
            .CallWithOneString()
            .Stop()
            .ToBytes();

    public static byte[] Torch(byte[] dataPkl) => ZipBuilder.Torch(dataPkl).ToBytes();

    /// <summary>A <c>.npy</c> file: magic, version 1.0, the header dict padded to 64 bytes, then the data.</summary>
    public static byte[] Npy(string descr, byte[] data, string shape = "(1,)")
    {
        var dict = $"{{'descr': {(descr.StartsWith('[') ? descr : $"'{descr}'")}, 'fortran_order': False, 'shape': {shape}, }}";
        var header = dict + new string(' ', (64 - ((10 + dict.Length + 1) % 64)) % 64) + "\n";
        return [0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, (byte)(header.Length >> 8), .. Encoding.Latin1.GetBytes(header), .. data];
    }

    private static byte[] Zip(ZipBuilder.Entry entry) => new ZipBuilder().Add(entry).Add("archive/version", "3\n"u8.ToArray()).ToBytes();

    private static byte[] Extra(byte[] decoy) => [0xfe, 0xca, (byte)decoy.Length, (byte)(decoy.Length >> 8), .. decoy];

    private static byte[] Loads(string module, string name, PickleBuilder argument) =>
        new PickleBuilder().Proto(2).Global(module, name).Raw(argument.ToBytes()[2..]).Tuple1().Reduce().Stop().ToBytes();

    /// <summary>Bytes as protocol 2 writes them: <c>_codecs.encode(text, 'latin1')</c>.</summary>
    private static PickleBuilder Encoded(byte[] bytes) =>
        new PickleBuilder()
            .Proto(2)
            .Global("_codecs", "encode")
            .BinUnicode(Encoding.Latin1.GetString(bytes))
            .BinUnicode("latin1")
            .Raw(0x86)
            .Reduce();

    public static byte[] Legacy(byte[] third) =>
        [
            .. new PickleBuilder().Proto(2).Raw(0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19).Stop().ToBytes(),
            .. new PickleBuilder().Proto(2).Raw((byte)'M', 0xe9, 0x03).Stop().ToBytes(),
            .. third,
            .. new PickleBuilder().Proto(2).Raw((byte)']').Stop().ToBytes(),
            .. new PickleBuilder().Proto(2).Raw((byte)']').Stop().ToBytes(),
            .. new byte[64],
        ];

    private static byte[] StableDiffusion(string numpyModule) =>
        new PickleBuilder()
            .Proto(2)
            .Raw((byte)'}')
            .Mark()
            .BinUnicode("state_dict")
            .Raw(StateDict()[2..^1])
            .BinUnicode("global_step")
            .Global(numpyModule, "scalar")
            .Global("numpy", "dtype")
            .BinUnicode("f8")
            .Raw(0x89, 0x88)
            .Raw(0x87)
            .Reduce()
            .Mark()
            .BinInt1(3)
            .BinUnicode("<")
            .None()
            .None()
            .None()
            .BinInt1(255)
            .BinInt1(255)
            .BinInt1(0)
            .Tuple()
            .Raw((byte)'b')
            .Global("_codecs", "encode")
            .BinUnicode("\u00e8\u0003\u0000\u0000\u0000\u0000\u0000\u0000")
            .BinUnicode("latin1")
            .Raw(0x86)
            .Reduce()
            .Raw(0x86)
            .Reduce()
            .BinUnicode("callbacks")
            .Raw((byte)'}')
            .Global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint")
            .EmptyTuple()
            .Raw(0x81)
            .Raw((byte)'}')
            .Raw((byte)'b')
            .Raw((byte)'s')
            .BinUnicode("dtype")
            .Global("numpy.dtypes", "Float64DType")
            .EmptyTuple()
            .Raw(0x81)
            .Raw((byte)'u')
            .Stop()
            .ToBytes();

    private static byte[] Rebuilds() =>
        new PickleBuilder()
            .Proto(2)
            .Raw((byte)'}')
            .Mark()
            .BinUnicode("p")
            .Global("torch._utils", "_rebuild_parameter")
            .Mark()
            .Global("torch._utils", "_rebuild_tensor_v3")
            .Mark()
            .Mark()
            .BinUnicode("storage")
            .Global("torch.storage", "UntypedStorage")
            .BinUnicode("0")
            .BinUnicode("cuda:0")
            .BinInt1(8)
            .Tuple()
            .Raw((byte)'Q')
            .BinInt1(0)
            .BinInt1(8)
            .Tuple1()
            .BinInt1(1)
            .Tuple1()
            .Raw(0x89)
            .Global("collections", "OrderedDict")
            .EmptyTuple()
            .Reduce()
            .Global("torch", "float8_e4m3fn")
            .Tuple()
            .Reduce()
            .Raw(0x88)
            .Global("collections", "OrderedDict")
            .EmptyTuple()
            .Reduce()
            .Tuple()
            .Reduce()
            .BinUnicode("b")
            .Global("torch", "bfloat16")
            .BinUnicode("h")
            .Global("torch", "HalfStorage")
            .Raw((byte)'u')
            .Stop()
            .ToBytes();

    private static byte[] Quantised() =>
        new PickleBuilder()
            .Proto(2)
            .Global("torch._utils", "_rebuild_qtensor")
            .Mark()
            .None()
            .BinInt1(0)
            .EmptyTuple()
            .EmptyTuple()
            .Global("torch", "per_tensor_affine")
            .Global("torch", "qint8")
            .Raw(0x86)
            .Raw(0x89)
            .None()
            .Tuple()
            .Reduce()
            .Stop()
            .ToBytes();

    private static byte[] Containers() =>
        new PickleBuilder()
            .Proto(2)
            .Mark()
            .Global("collections", "Counter")
            .EmptyTuple()
            .Reduce()
            .Global("builtins", "set")
            .EmptyTuple()
            .Reduce()
            .Global("builtins", "complex")
            .BinInt1(1)
            .BinInt1(2)
            .Raw(0x86)
            .Reduce()
            .Global("builtins", "bytearray")
            .EmptyTuple()
            .Reduce()
            .Global("torch", "Size")
            .EmptyTuple()
            .Reduce()
            .Global("torch", "device")
            .BinUnicode("cuda")
            .Tuple1()
            .Reduce()
            .Global("torch.serialization", "_get_layout")
            .BinUnicode("torch.strided")
            .Tuple1()
            .Reduce()
            .Raw((byte)'l')
            .Stop()
            .ToBytes();

    private static byte[] Build(string module, string name) =>
        new PickleBuilder().Proto(2).Global(module, name).EmptyTuple().Raw(0x81).Raw((byte)'}').Raw((byte)'b').Stop().ToBytes();

    /// <summary>What numpy pickles for <c>np.array([1, 2], dtype=object)</c> (protocol 3): <c>_reconstruct</c>, <c>ndarray</c>,
    /// <c>dtype</c>.</summary>
    private static byte[] ObjectArray() =>
        new PickleBuilder()
            .Proto(3)
            .Global("numpy.core.multiarray", "_reconstruct")
            .Global("numpy", "ndarray")
            .BinInt1(0)
            .Tuple1()
            .Raw((byte)'C', 1, (byte)'b')
            .Raw(0x87)
            .Reduce()
            .Mark()
            .BinInt1(1)
            .BinInt1(2)
            .Tuple1()
            .Global("numpy", "dtype")
            .BinUnicode("O8")
            .Raw(0x89, 0x88)
            .Raw(0x87)
            .Reduce()
            .Mark()
            .BinInt1(3)
            .BinUnicode("|")
            .None()
            .None()
            .None()
            .BinInt1(255)
            .BinInt1(255)
            .BinInt1(63)
            .Tuple()
            .Raw((byte)'b')
            .Raw(0x89)
            .Raw((byte)']')
            .Mark()
            .BinInt1(1)
            .BinInt1(2)
            .Raw((byte)'e')
            .Tuple()
            .Raw((byte)'b')
            .Stop()
            .ToBytes();

    private static PickleSample Bad(string technique, string file, byte[] content, string names) =>
        new(technique, SampleKind.Malicious, file, content, names);

    private static PickleSample Good(string technique, string file, byte[] content) => new(technique, SampleKind.Benign, file, content);

    private static PickleSample Refused(string technique, string file, byte[] content) =>
        new(technique, SampleKind.RefusedBenign, file, content);
}
