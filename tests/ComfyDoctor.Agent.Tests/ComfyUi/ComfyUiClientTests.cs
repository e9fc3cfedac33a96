using ComfyDoctor.Agent.ComfyUi;
using ComfyDoctor.Agent.Tests.Support;

namespace ComfyDoctor.Agent.Tests.ComfyUi;

public sealed class ComfyUiClientTests
{
    [Fact]
    public async Task Reads_loaded_node_types_and_versions_from_a_running_comfyui()
    {
        using var dir = new TempDir();
        dir.WriteText("ComfyUI/custom_nodes/good/__init__.py", "NODE_CLASS_MAPPINGS = {\"GoodNode\": object}\n");
        dir.WriteText("ComfyUI/custom_nodes/dynamic.py", "NODE_CLASS_MAPPINGS = dict((n, object) for n in ['Dyn' + 'amic'])\n");
        dir.WriteText(
            "ComfyUI/custom_nodes/broken/__init__.py",
            "import not_installed_dependency\nNODE_CLASS_MAPPINGS = {\"BrokenNode\": object}\n"
        );
        dir.WriteText("ComfyUI/custom_nodes/off.disabled/__init__.py", "NODE_CLASS_MAPPINGS = {\"OffNode\": object}\n");
        await using var comfy = await FakeComfyUi.StartAsync(dir.Combine("ComfyUI"), ["KSampler", "CheckpointLoaderSimple"], dir.Path);
        using var http = new HttpClient();

        var (live, problem) = await ComfyUiClient.ReadAsync(http, comfy.Url, CancellationToken.None);

        Assert.Null(problem);
        Assert.Equal(["CheckpointLoaderSimple", "Dynamic", "GoodNode", "KSampler"], live!.NodeTypes);
        Assert.Equal("0.3.66", live.ComfyUiVersion);
        Assert.Equal("2.4.1+cu124", live.TorchVersion);
        Assert.Contains("NVIDIA H100", live.Devices[0], StringComparison.Ordinal);
        // each custom type's pack folder, from python_module (custom_nodes.FOLDER); core types are left out
        Assert.Equal(
            [new KeyValuePair<string, string>("Dynamic", "dynamic"), new KeyValuePair<string, string>("GoodNode", "good")],
            live.CustomNodeFolders!.OrderBy(f => f.Key, StringComparer.Ordinal)
        );
    }

    [Fact]
    public async Task Unreachable_comfyui_is_a_problem_not_an_exception()
    {
        using var http = new HttpClient();
        var (live, problem) = await ComfyUiClient.ReadAsync(http, new Uri("http://127.0.0.1:9/"), CancellationToken.None);
        Assert.Null(live);
        Assert.StartsWith("ComfyUI at http://127.0.0.1:9/ not readable", problem, StringComparison.Ordinal);
    }
}
