using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Kinde.Migration.Pipeline;

/// <summary>
/// A bounded channel that moves items between pipeline stages in batches: handing over one record at a time cost
/// more in thread wake-ups and lock contention than the records' own work.
/// </summary>
internal sealed class BatchChannel<T>
{
    private readonly Channel<List<T>> _channel;

    // Batches the reader has emptied, for the writer to fill again: a new one each time cost an allocation per item.
    private readonly ConcurrentQueue<List<T>> _empty = new();
    private readonly int _batchSize;
    private List<T> _pending;

    public BatchChannel(int capacity, int batchSize = 256)
    {
        batchSize = Math.Clamp(capacity / 2, 1, batchSize);
        _batchSize = batchSize;
        _pending = new List<T>(batchSize);
        _channel = Channel.CreateBounded<List<T>>(new BoundedChannelOptions(Math.Max(2, capacity / batchSize))
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ValueTask WriteAsync(T item, CancellationToken cancellationToken)
    {
        _pending.Add(item);
        return _pending.Count >= _batchSize ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        _channel.Writer.TryComplete();
    }

    public void Fail(Exception error) => _channel.Writer.TryComplete(error);

    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var batch in _channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in batch)
            {
                yield return item;
            }

            batch.Clear();
            _empty.Enqueue(batch);
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var batch = _pending;
        _pending = _empty.TryDequeue(out var empty) ? empty : new List<T>(_batchSize);
        await _channel.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
    }
}
