using System.Text;
using ComfyDoctor.Core.NodeResolution;
using ComfyDoctor.Core.Workflows;

namespace ComfyDoctor.Core.Tests.Workflows;

/// <summary>Issue 9, case 12: hostile workflows and node maps — a clear error, bounded memory, never a crash.</summary>
public sealed class HostileWorkflowTests
{
    [Fact]
    public void Deep_nesting_is_refused_at_the_depth_limit()
    {
        var json = "{\"nodes\": [" + new string('[', 100_000) + new string(']', 100_000) + "]}";
        var e = Assert.Throws<WorkflowFormatException>(() => Read(json));
        Assert.StartsWith("deep.json: not valid JSON", e.Message, StringComparison.Ordinal);
        Assert.Contains("depth", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_100_MB_stream_is_refused_after_reading_no_more_than_the_limit()
    {
        using var endless = new GeneratedJson(100L << 20);
        var e = Assert.Throws<WorkflowFormatException>(() => WorkflowReader.Read("big.json", endless));
        Assert.Equal("big.json: the file is more than 67,108,864 bytes; workflows over 67,108,864 bytes are refused", e.Message);
        Assert.InRange(endless.Position, 64L << 20, (64L << 20) + (1L << 20)); // stopped at the limit, not at 100 MB
        Console.WriteLine($"RELIABILITY workflow-100MB: offered={100L << 20} read={endless.Position} refused=1");
    }

    [Theory]
    [InlineData("{\"nodes\": [{\"id\": 1, \"type\": 5}]}")]
    [InlineData("{\"nodes\": [{\"id\": 1, \"type\": \"CheckpointLoaderSimple\", \"widgets_values\": {\"a\": [1]}}]}")]
    [InlineData("{\"nodes\": [{\"id\": 1, \"type\": \"X\", \"properties\": [\"cnr_id\"]}]}")]
    [InlineData("{\"nodes\": [\"KSampler\", null, 3]}")]
    [InlineData("{\"1\": {\"class_type\": [\"KSampler\"], \"inputs\": 7}}")]
    [InlineData("{\"nodes\": [], \"definitions\": {\"subgraphs\": \"none\"}}")]
    public void Wrong_types_are_a_clear_error_or_ignored_never_a_crash(string json)
    {
        try
        {
            Read(json);
        }
        catch (WorkflowFormatException e)
        {
            Assert.StartsWith("deep.json: ", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("{\"https://github.com/a/b\": [\"not\", \"a\", \"list\", \"of\", \"lists\"]}")]
    [InlineData("{\"https://github.com/a/b\": [[1, 2], {\"title_aux\": 5}]}")]
    [InlineData("[" + "[[[[[[[[[[" + "]]]]]]]]]]" + "]")]
    public void Node_maps_with_wrong_types_are_refused_naming_the_file_or_ignored(string json)
    {
        try
        {
            NodeCatalog.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        }
        catch (NodeCatalogFormatException e)
        {
            Assert.Contains("extension-node-map", e.Message, StringComparison.Ordinal);
        }
    }

    private static WorkflowDocument Read(string json) => WorkflowReader.Read("deep.json", new MemoryStream(Encoding.UTF8.GetBytes(json)));

    /// <summary>An unseekable stream of a JSON workflow of any length, made as it is read (nothing held in memory).</summary>
    private sealed class GeneratedJson(long length) : Stream
    {
        private static readonly byte[] Node = "{\"id\": 1, \"type\": \"KSampler\"},"u8.ToArray();
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            for (var i = 0; i < n; i++)
            {
                var at = _position + i;
                buffer[offset + i] = at < 11 ? "{\"nodes\": ["u8[(int)at] : Node[(int)((at - 11) % Node.Length)];
            }

            _position += n;
            return n;
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
