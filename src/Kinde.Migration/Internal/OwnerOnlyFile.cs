namespace Kinde.Migration.Internal;

/// <summary>Creates files readable and writable by their owner only (on Unix): every file that may hold a hash.</summary>
internal static class OwnerOnlyFile
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates or opens <paramref name="path"/> as <paramref name="mode"/> says, owner-only.</summary>
    public static FileStream Create(string path, FileMode mode = FileMode.Create, FileAccess access = FileAccess.Write, FileOptions options = FileOptions.None)
    {
        var streamOptions = new FileStreamOptions { Mode = mode, Access = access, Share = FileShare.None, Options = options, BufferSize = 64 * 1024 };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = Mode;
        }

        var stream = new FileStream(path, streamOptions);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // UnixCreateMode is masked by the umask and does not apply to an existing file that is overwritten.
                File.SetUnixFileMode(stream.SafeFileHandle, Mode);
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        return stream;
    }
}
