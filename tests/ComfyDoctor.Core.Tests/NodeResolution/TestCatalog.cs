using System.Globalization;
using System.Text;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Tests.NodeResolution;

/// <summary>A small catalog in ComfyUI-Manager's formats (single quotes stand for double quotes), and resolution helpers.</summary>
internal static class TestCatalog
{
    public const string Map = """
        {
          'https://github.com/comfyanonymous/ComfyUI': [['KSampler', 'SaveImage', 'ConditioningAverage'], {'title_aux': 'ComfyUI'}],
          'https://github.com/orig/ComfyUI-Tools': [['ToolA', 'ToolB', 'Shared Node'], {'title_aux': 'Tools'}],
          'https://github.com/copycat/ComfyUI-Tools-Fork': [['ToolA', 'ToolB', 'Shared Node'], {'title_aux': 'Tools (fork)'}],
          'https://github.com/bundler/ComfyUI-Bundle': [['ToolA', 'Other', 'Image Resize KJ'], {'title_aux': 'Bundle'}],
          'https://github.com/owner/ComfyUI-Preempt': [['Grab'], {'title_aux': 'Preempt', 'preemptions': ['ToolA']}],
          'https://github.com/rg/rg-comfy': [['Fast Node (rg)'], {'title_aux': 'rg nodes', 'nodename_pattern': ' \\(rg\\)$'}],
          'https://github.com/bad/pattern': [[], {'title_aux': 'bad', 'nodename_pattern': '(unclosed'}],
          'https://github.com/small/ComfyUI-Popular': [['Lonely'], {'title_aux': 'Popular'}],
          'https://github.com/big/ComfyUI-Unpopular': [['Lonely', 'Unpopular Extra'], {'title_aux': 'Unpopular'}]
        }
        """;

    public const string List = """
        {'custom_nodes': [
          {'author': 'orig', 'title': 'Tools', 'id': 'tools-registry-id', 'reference': 'https://github.com/orig/ComfyUI-Tools',
           'files': ['https://github.com/orig/ComfyUI-Tools'], 'install_type': 'git-clone', 'pip': ['numpy'], 'description': 'tools'},
          {'author': 'rg', 'title': 'rg', 'reference': 'https://github.com/rg/rg-comfy', 'files': ['https://github.com/rg/rg-comfy.git'],
           'install_type': 'Git-Clone', 'description': 'x'},
          {'author': 'late', 'title': 'Only in the list', 'id': 'listed-only', 'reference': 'https://github.com/late/ListedOnly',
           'files': ['https://github.com/late/ListedOnly'], 'install_type': 'git-clone', 'description': 'y'}
        ]}
        """;

    public const string Stats = """
        {'https://github.com/small/ComfyUI-Popular': {'stars': 900, 'author_account_age_days': 10},
         'https://github.com/big/ComfyUI-Unpopular': {'stars': 3, 'author_account_age_days': 5000},
         'https://github.com/copycat/ComfyUI-Tools-Fork': {'stars': 5000, 'author_account_age_days': 9000},
         'https://github.com/orig/ComfyUI-Tools': {'stars': 10, 'author_account_age_days': 100}}
        """;

    public static NodeCatalog Load() => NodeCatalog.Load(Json(Map), Json(List), Json(Stats));

    public static MemoryStream Json(string text) => new(Encoding.UTF8.GetBytes(text.Replace('\'', '"')));

    public static WorkflowNode Node(string type, string? cnr = null, string? ver = null, string? aux = null) =>
        new(type, type, cnr, ver, aux, []);

    /// <summary>A hint-free UI workflow with one node of each type.</summary>
    public static WorkflowDocument WorkflowOf(IReadOnlyList<string> types, string name = "wf.json") =>
        new(
            name,
            WorkflowShape.Ui,
            types.Select((t, i) => Node(t) with { Id = (i + 1).ToString(CultureInfo.InvariantCulture) }).ToList(),
            [],
            []
        );

    public static WorkflowResolution Resolve(IEnumerable<WorkflowNode> nodes, AdminPins? pins = null, bool useHints = true)
    {
        var doc = new WorkflowDocument(
            "wf.json",
            WorkflowShape.Ui,
            nodes.Select((n, i) => n with { Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToList(),
            [],
            []
        );
        var options = new ResolveOptions(Load()) { Pins = pins ?? AdminPins.Empty, UseHints = useHints };
        return Assert.Single(NodeResolver.Resolve([doc], options).Workflows);
    }

    public static NodeTypeResolution Of(this WorkflowResolution resolution, string type) => resolution.Nodes.Single(n => n.Type == type);
}
