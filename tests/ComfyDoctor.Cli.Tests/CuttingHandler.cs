using System.Net;

namespace ComfyDoctor.Cli.Tests;

/// <summary>
/// Between a client and a real server: the first response's body is cut after <c>events</c> whole server-sent events (the
/// bytes already read past them are lost, as in flight when a connection drops, and the connection is closed); the
/// requests after it wait for <see cref="Release"/> and record their <c>Last-Event-ID</c>.
/// </summary>
internal sealed class CuttingHandler(int events) : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requests;

    public TaskCompletionSource Reconnecting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<string?> LastEventIds { get; } = [];

    public void Release() => _release.TrySetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _requests) > 1)
        {
            lock (LastEventIds)
            {
                LastEventIds.Add(request.Headers.TryGetValues("Last-Event-ID", out var ids) ? ids.Single() : null);
            }

            Reconnecting.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
            return await base.SendAsync(request, cancellationToken);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var body = new CutStream(await response.Content.ReadAsStreamAsync(cancellationToken), events);
            var cut = new StreamContent(body);
            foreach (var header in response.Content.Headers)
            {
                cut.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            response.Content = cut;
        }

        return response;
    }

    private sealed class CutStream(Stream inner, int events) : Stream
    {
        private int _seen;
        private byte _last;
        private bool _cut;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_cut)
            {
                await inner.DisposeAsync(); // the connection goes
                throw new IOException("the connection was cut by the test");
            }

            var read = await inner.ReadAsync(buffer, cancellationToken);
            for (var i = 0; i < read; i++)
            {
                var b = buffer.Span[i];
                if (b == (byte)'\n' && _last == (byte)'\n' && ++_seen == events)
                {
                    _cut = true;
                    return i + 1; // what follows in this read is lost
                }

                _last = b;
            }

            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
