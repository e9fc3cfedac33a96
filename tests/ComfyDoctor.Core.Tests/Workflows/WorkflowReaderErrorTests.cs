using System.Text;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Tests.Workflows;

public sealed class WorkflowReaderErrorTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("wf-errors-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void Truncated_json_names_file_line_and_byte()
    {
        var path = Write("cut.json", "{\n  \"nodes\": [\n    {\"id\": 1, \"type\": \"KSa");
        var e = Assert.Throws<WorkflowFormatException>(() => WorkflowReader.ReadFile(path));
        Assert.StartsWith($"{path}: not valid JSON at line 3, byte ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_json_names_the_position()
    {
        var e = Assert.Throws<WorkflowFormatException>(() => Read("x.json", "{\"nodes\": [1,,2]}"));
        Assert.StartsWith("x.json: not valid JSON at line 1, byte 14: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1, 2]", "w.json: the workflow is a list; expected an object")]
    [InlineData("{\"a\": 1, \"b\": {\"inputs\": {}}}", "w.json: not a ComfyUI workflow: the object has neither 'nodes'")]
    [InlineData("{\"nodes\": {\"1\": {}}}", "w.json: 'nodes' is an object, expected a list of nodes")]
    [InlineData("", "w.json: not valid JSON")]
    public void Wrong_shape_is_refused_with_the_reason(string json, string expected)
    {
        var e = Assert.Throws<WorkflowFormatException>(() => Read("w.json", json));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversize_file_is_refused_before_reading()
    {
        var path = Path.Combine(dir, "huge.json");
        using (var stream = new FileStream(path, FileMode.CreateNew))
        {
            stream.SetLength((64L << 20) + 1); // sparse: no 64 MB written
        }

        var e = Assert.Throws<WorkflowFormatException>(() => WorkflowReader.ReadFile(path));
        Assert.Equal($"{path}: the file is 67,108,865 bytes; workflows over 67,108,864 bytes are refused", e.Message);
    }

    [Fact]
    public void Oversize_unseekable_stream_is_refused_while_reading()
    {
        var options = new WorkflowReadOptions { MaxBytes = 100 };
        using var pipe = new UnseekableStream(
            Encoding.UTF8.GetBytes("{\"nodes\": [" + string.Concat(Enumerable.Repeat("{\"type\": \"X\"},", 50)) + "]}")
        );
        var e = Assert.Throws<WorkflowFormatException>(() => WorkflowReader.Read("pipe", pipe, options));
        Assert.Equal("pipe: the file is more than 100 bytes; workflows over 100 bytes are refused", e.Message);
    }

    [Fact]
    public void Missing_file_is_a_format_error_naming_it()
    {
        var path = Path.Combine(dir, "absent.json");
        var e = Assert.Throws<WorkflowFormatException>(() => WorkflowReader.ReadFile(path));
        Assert.StartsWith($"{path}: cannot read the workflow: ", e.Message, StringComparison.Ordinal);
    }

    private static WorkflowDocument Read(string name, string json) =>
        WorkflowReader.Read(name, new MemoryStream(Encoding.UTF8.GetBytes(json)));

    private string Write(string name, string content)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(content));
        return path;
    }

    private sealed class UnseekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
