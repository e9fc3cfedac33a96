namespace ComfyDoctor.Server.Tests.Relay;

/// <summary>What an uploading peer does to a relayed upload's body.</summary>
internal enum UploadFault
{
    /// <summary>Sends it as it is.</summary>
    None,

    /// <summary>Its connection drops half-way (the request is aborted, as when its process dies).</summary>
    Cut,

    /// <summary>One byte in the middle is flipped (a tampered or failing peer).</summary>
    Flip,

    /// <summary>It states a blob one byte longer than it is (<c>X-Blob-Length</c>).</summary>
    WrongTotal,
}

/// <summary>
/// Between an uploading agent and its real server: each <c>POST …/relay/{id}</c> body passes through a fault chosen by its
/// length (<see cref="FaultOf"/>); every other request passes untouched. Counts the uploads that started and ended.
/// </summary>
internal sealed class UploadFaults(Func<long, UploadFault> faultOf) : DelegatingHandler(new SocketsHttpHandler())
{
    private int _started;
    private int _ended;

    public Func<long, UploadFault> FaultOf { get; } = faultOf;

    public int Started => Volatile.Read(ref _started);

    public int Ended => Volatile.Read(ref _ended);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method != HttpMethod.Post || !request.RequestUri!.AbsolutePath.Contains("/relay/", StringComparison.Ordinal))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        Interlocked.Increment(ref _started);
        try
        {
            if (request.Content is { Headers.ContentLength: { } length } content)
            {
                var fault = FaultOf(length);
                var body = new FaultStream(await content.ReadAsStreamAsync(cancellationToken), length, fault);
                var faulty = new StreamContent(body, 64 << 10);
                faulty.Headers.ContentLength = length;
                request.Content = faulty;
                if (fault == UploadFault.WrongTotal && request.Headers.TryGetValues("X-Blob-Length", out var totals))
                {
                    var total = long.Parse(totals.Single(), System.Globalization.CultureInfo.InvariantCulture);
                    request.Headers.Remove("X-Blob-Length");
                    request.Headers.Add("X-Blob-Length", (total + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            Interlocked.Increment(ref _ended);
        }
    }

    private sealed class FaultStream(Stream inner, long length, UploadFault fault) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var half = length / 2;
            if (fault == UploadFault.Cut && _position >= half)
            {
                throw new IOException($"test: the uploading peer's connection dropped after {_position:N0} bytes");
            }

            var limit = fault == UploadFault.Cut ? (int)Math.Min(buffer.Length, half - _position) : buffer.Length;
            var read = await inner.ReadAsync(buffer[..Math.Max(1, limit)], cancellationToken);
            if (fault == UploadFault.Flip && _position <= half && half < _position + read)
            {
                buffer.Span[(int)(half - _position)] ^= 0x5a;
            }

            _position += read;
            return read;
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
