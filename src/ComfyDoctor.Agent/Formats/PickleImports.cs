namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Judges the globals a pickle imports.
/// <list type="bullet">
/// <item>Safe: what PyTorch's and NumPy's own checkpoints need to rebuild tensors, in the spirit of
/// <c>torch.load(weights_only=True)</c>; plus the harmless builtins <c>set</c>, <c>frozenset</c>, <c>slice</c>… that plain
/// containers pickle to, and PyTorch Lightning's <c>ModelCheckpoint</c> that many Stable Diffusion <c>.ckpt</c> carry.</item>
/// <item>Dangerous: whatever runs commands, evaluates code, loads another unrestricted pickle
/// (<c>torch.storage._load_from_bytes</c> calls <c>torch.load(weights_only=False)</c>), or touches files, processes and
/// the network; any dotted name that walks through such a module or a dunder attribute (<c>torch</c> +
/// <c>serialization.os.system</c>, <c>__globals__</c>).</item>
/// <item>Suspicious: everything else — not known to be harmful, not needed by a plain checkpoint. Decisions:
/// <c>functools.partial</c> only wraps a callable that is itself imported (and judged), so it is suspicious;
/// <c>functools.reduce</c> and <c>operator.attrgetter</c>/<c>methodcaller</c> call or reach into what they are given,
/// so they are dangerous.</item>
/// </list>
/// Python 2 names (<c>__builtin__</c>, <c>copy_reg</c>, <c>commands</c>…) are judged as the Python 3 names the
/// unpickler maps them to.
/// </summary>
public static class PickleImports
{
    public enum Verdict
    {
        Safe,
        Suspicious,
        Dangerous,
    }

    private static readonly HashSet<string> SafeGlobals = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict", "collections.defaultdict",
        "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state", "torch._utils._rebuild_qtensor",
        "torch._utils._rebuild_sparse_tensor", "torch._utils._rebuild_device_tensor_from_numpy",
        "torch._utils._rebuild_meta_tensor_no_storage", "torch._utils._rebuild_wrapper_subclass",
        "torch._tensor._rebuild_from_type_v2", "torch.Size", "torch.device", "torch.Tensor", "torch._tensor.Tensor",
        "torch.nn.parameter.Parameter", "torch.storage.UntypedStorage", "torch.storage.TypedStorage",
        "torch.serialization._get_layout", "torch.strided", "torch.sparse_coo",
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct", "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar", "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer",
        "numpy.ndarray", "numpy.dtype", "_codecs.encode",
        "builtins.set", "builtins.frozenset", "builtins.slice", "builtins.range", "builtins.bytearray", "builtins.bytes",
        "builtins.complex", "builtins.int", "builtins.float", "builtins.bool", "builtins.str", "builtins.tuple",
        "builtins.list", "builtins.dict",
        "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint",
    };

    private static readonly HashSet<string> TorchDtypes = new(StringComparer.Ordinal)
    {
        "float16", "float32", "float64", "bfloat16", "half", "float", "double", "complex32", "complex64", "complex128",
        "cfloat", "cdouble", "chalf", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "short",
        "int", "long", "bool", "float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu",
        "float4_e2m1fn_x2", "qint8", "quint8", "qint32", "quint4x2", "quint2x4",
    };

    private static readonly HashSet<string> DangerousModules = new(StringComparer.Ordinal)
    {
        "os", "posix", "nt", "subprocess", "_posixsubprocess", "sys", "socket", "_socket", "shutil", "runpy", "pty",
        "webbrowser", "importlib", "imp", "zipimport", "pickle", "_pickle", "cPickle", "marshal", "types", "code", "codeop",
        "ctypes", "_ctypes", "requests", "urllib", "urllib2", "urllib3", "httplib", "http", "ftplib", "telnetlib", "smtplib",
        "commands", "platform", "pip", "ensurepip", "venv", "site", "distutils", "setuptools", "asyncio", "multiprocessing",
        "signal", "tempfile", "pathlib", "io", "_io", "bdb", "pdb", "timeit", "trace", "profile", "cProfile", "threading",
        "_thread", "dill", "cloudpickle", "builtins", "__builtins__",
    };

    /// <summary>Modules whose appearance in the middle of a dotted name means a walk into them (<c>torch.serialization.os</c>).</summary>
    private static readonly HashSet<string> WalkedInto = new(StringComparer.Ordinal)
    {
        "os", "posix", "nt", "subprocess", "sys", "builtins", "__builtins__", "importlib", "pickle", "_pickle", "marshal",
        "ctypes", "socket", "shutil", "runpy", "pty",
    };

    /// <summary>Dangerous dotted module prefixes inside otherwise ordinary packages.</summary>
    private static readonly string[] DangerousPackages = ["torch.hub", "torch._dynamo", "torch.utils.cpp_extension", "numpy.f2py"];

    private static readonly HashSet<string> DangerousBuiltins = new(StringComparer.Ordinal)
    {
        "eval", "exec", "execfile", "compile", "getattr", "setattr", "delattr", "open", "__import__", "apply", "input",
        "breakpoint", "globals", "locals", "vars", "help", "memoryview", "exit", "quit",
    };

    private static readonly HashSet<string> DangerousGlobals = new(StringComparer.Ordinal)
    {
        "operator.attrgetter", "operator.methodcaller", "torch.storage._load_from_bytes", "torch.load", "numpy.load",
        "numpy.testing._private.utils.runstring", "functools.reduce",
    };

    /// <summary>Python 2 module names the unpickler maps to Python 3 ones (<c>_compat_pickle.IMPORT_MAPPING</c>, the part that matters here).</summary>
    private static readonly Dictionary<string, string> Python2Modules = new(StringComparer.Ordinal)
    {
        ["__builtin__"] = "builtins", ["exceptions"] = "builtins", ["copy_reg"] = "copyreg", ["cPickle"] = "pickle",
        ["commands"] = "subprocess", ["httplib"] = "http.client", ["urllib2"] = "urllib.request", ["urlparse"] = "urllib.parse",
        ["cStringIO"] = "io", ["StringIO"] = "io", ["thread"] = "_thread", ["UserDict"] = "collections",
        ["UserList"] = "collections", ["UserString"] = "collections", ["Queue"] = "queue", ["SocketServer"] = "socketserver",
        ["SimpleHTTPServer"] = "http.server", ["BaseHTTPServer"] = "http.server", ["xmlrpclib"] = "xmlrpc.client",
    };

    public static Verdict Judge(PickleGlobal global) => Judge(global.Module, global.Name);

    public static Verdict Judge(string module, string name)
    {
        var root = module.Split('.')[0];
        if (Python2Modules.TryGetValue(root, out var renamed))
        {
            module = renamed + module[root.Length..];
        }

        if (SafeGlobals.Contains(module + "." + name) || IsTorchStorageOrDtype(module, name))
        {
            return Verdict.Safe;
        }

        return IsDangerous(module, name) ? Verdict.Dangerous : Verdict.Suspicious;
    }

    private static bool IsDangerous(string module, string name)
    {
        var full = module + "." + name;
        var segments = full.Split('.');
        if (DangerousGlobals.Contains(full)
            || DangerousPackages.Any(p => full.StartsWith(p + ".", StringComparison.Ordinal))
            || (module == "builtins" && DangerousBuiltins.Contains(name.Split('.')[0])))
        {
            return true;
        }

        if (module == "builtins")
        {
            // builtins.set is harmless; builtins.set.__init__ or builtins.x.y are walks into something else.
            return name.Contains('.', StringComparison.Ordinal) || segments.Any(IsDunder);
        }

        // The module itself, or any attribute walked through on the way to the name (protocol 4 allows dotted names).
        return DangerousModules.Contains(segments[0]) || segments.Skip(1).Any(s => WalkedInto.Contains(s) || IsDunder(s));
    }

    private static bool IsDunder(string segment) =>
        segment.Length > 4 && segment.StartsWith("__", StringComparison.Ordinal) && segment.EndsWith("__", StringComparison.Ordinal);

    /// <summary><c>torch.FloatStorage</c>, <c>torch.HalfStorage</c>… and dtypes such as <c>torch.float16</c> (no dotted names).</summary>
    private static bool IsTorchStorageOrDtype(string module, string name) =>
        module == "torch" && !name.Contains('.', StringComparison.Ordinal)
                          && ((name.EndsWith("Storage", StringComparison.Ordinal) && name.Length > "Storage".Length)
                              || TorchDtypes.Contains(name));
}
