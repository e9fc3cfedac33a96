using System.Text.Json;
using ComfyDoctor.Agent.Formats;
using ComfyDoctor.Agent.Tests.Support;
using ComfyDoctor.Core.Inventory;

namespace ComfyDoctor.Agent.Tests.Formats;

/// <summary>The allowlist of torch's weights_only loader (pickle-globals.json): exact names, a reason for each, and the decided
/// extras.</summary>
public sealed class PickleAllowlistTests
{
    [Fact]
    public void Every_group_of_the_data_file_gives_its_reason_and_no_allowed_name_is_a_pattern()
    {
        using var stream = typeof(PickleImports).Assembly.GetManifestResourceStream("ComfyDoctor.Agent.Formats.pickle-globals.json")!;
        using var json = JsonDocument.Parse(stream);
        foreach (var list in new[] { "allowed", "benign", "gadgets" })
        {
            foreach (var group in json.RootElement.GetProperty(list).EnumerateArray())
            {
                Assert.False(string.IsNullOrWhiteSpace(group.GetProperty("reason").GetString()), $"{list}: a group without a reason");
                Assert.NotEmpty(group.GetProperty("globals").EnumerateArray());
                Assert.All(group.GetProperty("globals").EnumerateArray(), g =>
                    Assert.True(list == "gadgets" || !g.GetString()!.Contains('*', StringComparison.Ordinal), $"{list}: {g} is a pattern")
                );
            }
        }
    }

    [Theory]
    [InlineData("collections", "OrderedDict")]
    [InlineData("collections", "Counter")]
    [InlineData("torch._utils", "_rebuild_tensor_v2")]
    [InlineData("torch._utils", "_rebuild_device_tensor_from_cpu_tensor")]
    [InlineData("torch._tensor", "_rebuild_from_type_v2")]
    [InlineData("torch", "FloatStorage")]
    [InlineData("torch", "BFloat16Storage")]
    [InlineData("torch.cuda", "HalfStorage")]
    [InlineData("torch.storage", "UntypedStorage")]
    [InlineData("torch.storage", "TypedStorage")]
    [InlineData("torch.cuda", "FloatTensor")]
    [InlineData("torch", "float8_e4m3fn")]
    [InlineData("torch", "uint4")]
    [InlineData("torch", "per_channel_affine")]
    [InlineData("torch.nn.parameter", "Parameter")]
    [InlineData("torch.serialization", "_get_layout")]
    [InlineData("_codecs", "encode")]
    [InlineData("__builtin__", "set")] // torch renames Python 2's module first
    [InlineData("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint")] // ComfyUI's add_safe_globals
    [InlineData("numpy.core.multiarray", "scalar")]
    [InlineData("numpy._core.multiarray", "scalar")]
    [InlineData("numpy", "dtype")]
    [InlineData("numpy.dtypes", "Float64DType")]
    public void What_torch_and_comfyui_allow_is_allowed(string module, string name) =>
        Assert.Equal(GlobalKind.Allowed, PickleImports.Judge(new PickleGlobal(module, name)).Kind);

    [Theory]
    [InlineData("torch", "half")] // an alias: torch pickles dtypes by their canonical name
    [InlineData("torch._utils", "_rebuild_tensor_v2x")] // no prefix rule
    [InlineData("torch._utils", "_import_dotted_name")]
    [InlineData("torch.utils.data", "DataLoader")]
    [InlineData("torch", "strided")]
    [InlineData("collections.OrderedDict", "fromkeys")]
    [InlineData("torch", "Storage")]
    [InlineData("numpy.dtypes", "Float64DTypeX")]
    public void Anything_else_is_refused_however_close_its_name(string module, string name) =>
        Assert.NotEqual(GlobalKind.Allowed, PickleImports.Judge(new PickleGlobal(module, name)).Kind);

    /// <summary>The decided extras: harmless, but refused by the loader ComfyUI uses, so red and said to be benign.</summary>
    [Theory]
    [InlineData("argparse", "Namespace")]
    [InlineData("pytorch_lightning.utilities.parsing", "AttributeDict")]
    [InlineData("lightning_fabric.utilities.data", "AttributeDict")]
    [InlineData("numpy.core.multiarray", "_reconstruct")]
    [InlineData("numpy", "ndarray")]
    [InlineData("numpy.dtypes", "Int64DType")]
    [InlineData("builtins", "slice")]
    [InlineData("collections", "defaultdict")]
    public void Benign_extras_are_refused_and_said_to_be_benign(string module, string name)
    {
        Assert.Equal(GlobalKind.Benign, PickleImports.Judge(new PickleGlobal(module, name)).Kind);
        var check = Check(PickleSamples.Torch(new PickleBuilder().Proto(2).Global(module, name).EmptyTuple().Reduce().Stop().ToBytes()));
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.StartsWith(
            $"imports {module}.{name}, not allowed by torch's weights_only loader (known benign: ",
            check.Message,
            StringComparison.Ordinal
        );
        Assert.EndsWith("ComfyUI cannot load the file: convert it to safetensors", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Numpy_array_globals_are_allowed_inside_a_numpy_object_array_only()
    {
        var reconstruct = new PickleGlobal("numpy.core.multiarray", "_reconstruct");
        Assert.Equal(GlobalKind.Allowed, PickleImports.Judge(reconstruct, inNpy: true).Kind);
        Assert.Equal(GlobalKind.Benign, PickleImports.Judge(reconstruct).Kind);
        Assert.Equal(GlobalKind.NotAllowed, PickleImports.Judge(new PickleGlobal("argparse", "Namespace2"), inNpy: true).Kind);
    }

    /// <summary>The gadgets issue 17 names from public advisories: each red, each named, each called a gadget.</summary>
    [Theory]
    [InlineData("torch.utils.collect_env", "run")]
    [InlineData("pkgutil", "resolve_name")]
    [InlineData("idlelib.pyshell", "ModifiedInterpreter.runcode")]
    [InlineData("pydoc", "pipepager")]
    [InlineData("doctest", "debug_script")]
    [InlineData("uuid", "_get_command_stdout")]
    [InlineData("logging", "FileHandler")]
    [InlineData("torch._inductor.codecache", "compile_file")]
    public void Advisory_gadgets_are_red_and_named(string module, string name)
    {
        var check = Check(PickleSamples.Torch(PickleSamples.Calls(module, name)));
        Assert.Equal(FormatStatus.Unsafe, check.Status);
        Assert.Equal([$"{module}.{name}"], check.Imports);
        Assert.StartsWith($"imports a known code-execution gadget: {module}.{name} (", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gadget_and_a_refused_global_are_told_apart_in_one_message()
    {
        var pickle = new PickleBuilder()
            .Proto(2)
            .Global("fractions", "Fraction")
            .Pop()
            .Global("posix", "system")
            .CallWithOneString()
            .Stop();
        var check = Check(PickleSamples.Torch(pickle.ToBytes()));
        Assert.Equal(
            "imports a known code-execution gadget: posix.system (runs shell commands or programs); also not allowed by torch's "
                + "weights_only loader: fractions.Fraction",
            check.Message
        );
        Assert.Equal(["posix.system", "fractions.Fraction"], check.Imports);
    }

    private static FormatCheck Check(byte[] content)
    {
        using var dir = new TempDir();
        return ModelFormatChecker.Check(dir.Write("model.pt", content));
    }
}
