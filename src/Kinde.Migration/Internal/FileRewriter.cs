namespace Kinde.Migration.Internal;

/// <summary>Takes byte ranges out of a file written earlier: how the single pass withdraws a user's lines.</summary>
internal static class FileRewriter
{
    /// <summary>Rewrites <paramref name="path"/> without the given ranges (sorted, not overlapping) into an owner-only
    /// file put in its place.</summary>
    /// <param name="path">The file.</param>
    /// <param name="ranges">The byte ranges to take out.</param>
    /// <param name="durable">Whether the new file is flushed to disk before it replaces the old one (as the import files
    /// are when they are closed).</param>
    /// <returns>How many line ends the removed bytes held.</returns>
    public static long RemoveRanges(string path, IReadOnlyList<(long Offset, long Length)> ranges, bool durable)
    {
        string temporary = path + ".rewrite";
        long lineEnds = 0;
        try
        {
            using (var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024))
            using (var target = OwnerOnlyFile.Create(temporary, FileMode.CreateNew))
            {
                byte[] buffer = new byte[64 * 1024];
                long position = 0;
                foreach (var (offset, length) in ranges)
                {
                    Copy(source, target, offset - position, buffer, count: false, ref lineEnds);
                    Copy(source, null, length, buffer, count: true, ref lineEnds);
                    position = offset + length;
                }

                Copy(source, target, ToTheEnd, buffer, count: false, ref lineEnds);
                target.Flush(flushToDisk: durable);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            // The copy can hold hashes: it does not outlive a failure.
            File.Delete(temporary);
            throw;
        }

        return lineEnds;
    }

    private const long ToTheEnd = -1;

    private static void Copy(FileStream source, FileStream? target, long bytes, byte[] buffer, bool count, ref long lineEnds)
    {
        bool toTheEnd = bytes == ToTheEnd;
        while (toTheEnd || bytes > 0)
        {
            int read = source.Read(buffer, 0, toTheEnd ? buffer.Length : (int)Math.Min(buffer.Length, bytes));
            if (read == 0)
            {
                if (!toTheEnd)
                {
                    throw new IOException($"{source.Name} is shorter than what was written to it.");
                }

                return;
            }

            target?.Write(buffer, 0, read);
            if (count)
            {
                lineEnds += buffer.AsSpan(0, read).Count((byte)'\n');
            }

            bytes -= read;
        }
    }
}
