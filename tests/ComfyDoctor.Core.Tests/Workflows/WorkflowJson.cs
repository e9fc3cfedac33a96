using System.Text;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Tests.Workflows;

internal static class WorkflowJson
{
    /// <summary>Reads JSON text written with single quotes for readability.</summary>
    public static WorkflowDocument Read(string json, string fileName = "wf.json") =>
        WorkflowReader.Read(fileName, new MemoryStream(Encoding.UTF8.GetBytes(json.Replace('\'', '"'))));
}
