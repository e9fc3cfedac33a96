namespace ComfyDoctor.Agent.Formats;

/// <summary>
/// Judges the globals a pickle imports. Safe: what PyTorch's and NumPy's own checkpoints need to rebuild tensors
/// (the spirit of <c>torch.load(weights_only=True)</c>). Dangerous: anything that runs commands, evaluates code,
/// touches files or the network when the pickle is loaded. Everything else is suspicious: not known to be harmful,
/// not needed by a plain checkpoint.
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
        "torch._utils._rebuild_sparse_tensor", "torch._utils._rebuild_device_tensor_from_numpy", "torch._utils._rebuild_meta_tensor_no_storage",
        "torch._utils._rebuild_wrapper_subclass", "torch._tensor._rebuild_from_type_v2", "torch.Size", "torch.device",
        "torch.nn.parameter.Parameter", "torch.storage.UntypedStorage", "torch.storage.TypedStorage", "torch.serialization._get_layout",
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct", "numpy.core.multiarray.scalar",
        "numpy._core.multiarray.scalar", "numpy.ndarray", "numpy.dtype", "_codecs.encode",
        "builtins.set", "builtins.frozenset", "builtins.slice", "builtins.bytearray", "builtins.complex", "builtins.int",
        "builtins.float", "builtins.bool", "builtins.str", "builtins.tuple", "builtins.list", "builtins.dict",
        "__builtin__.set", "__builtin__.frozenset", "__builtin__.slice",
    };

    private static readonly string[] DangerousModules =
    [
        "os", "posix", "nt", "subprocess", "sys", "socket", "shutil", "runpy", "pty", "webbrowser", "importlib", "pickle", "_pickle",
        "cPickle", "marshal", "types", "code", "codeop", "ctypes", "requests", "urllib", "urllib2", "urllib3", "httplib", "http",
        "ftplib", "telnetlib", "smtplib", "commands", "pip", "asyncio", "multiprocessing", "signal", "tempfile", "pathlib", "io",
        "_io", "bdb", "pdb", "timeit", "trace", "profile", "cProfile", "threading", "_thread", "dill", "torch.hub", "torch._dynamo",
    ];

    private static readonly HashSet<string> DangerousBuiltins = new(StringComparer.Ordinal)
    {
        "eval", "exec", "execfile", "compile", "getattr", "setattr", "delattr", "open", "__import__", "apply", "input",
        "breakpoint", "globals", "locals", "vars", "help", "memoryview",
    };

    private static readonly HashSet<string> DangerousGlobals = new(StringComparer.Ordinal)
    {
        "operator.attrgetter", "operator.methodcaller", "torch.storage._load_from_bytes", "torch.load", "numpy.load",
        "numpy.testing._private.utils.runstring", "functools.reduce",
    };

    public static Verdict Judge(string module, string name)
    {
        var full = module + "." + name;
        if (SafeGlobals.Contains(full) || IsTorchStorageOrDtype(module, name))
        {
            return Verdict.Safe;
        }

        if (DangerousGlobals.Contains(full)
            || ((module is "builtins" or "__builtin__") && DangerousBuiltins.Contains(name))
            || DangerousModules.Any(m => module == m || module.StartsWith(m + ".", StringComparison.Ordinal)))
        {
            return Verdict.Dangerous;
        }

        return Verdict.Suspicious;
    }

    /// <summary><c>torch.FloatStorage</c>, <c>torch.HalfStorage</c>… and dtypes such as <c>torch.float16</c>.</summary>
    private static bool IsTorchStorageOrDtype(string module, string name) =>
        module == "torch" && (name.EndsWith("Storage", StringComparison.Ordinal)
                              || name is "float16" or "float32" or "float64" or "bfloat16" or "half" or "float" or "double"
                                  or "int8" or "uint8" or "int16" or "int32" or "int64" or "bool" or "complex64" or "complex128"
                                  or "float8_e4m3fn" or "float8_e5m2" or "long" or "int");
}
