//! A connection that fails its reads and writes once no byte has moved either way for a while:
//! a stalled upload or a client that stopped reading a response is closed, not kept forever.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

pin_project! {
    pub struct IdleTimeout<T> {
        #[pin]
        inner: T,
        // Boxed so the connection stays `Unpin`, as hyper needs of its I/O.
        sleep: Pin<Box<Sleep>>,
        idle: Duration,
        last_progress: Instant,
    }
}

impl<T> IdleTimeout<T> {
    pub fn new(inner: T, idle: Duration) -> IdleTimeout<T> {
        let now = Instant::now();
        IdleTimeout {
            inner,
            sleep: Box::pin(tokio::time::sleep_until(now + idle)),
            idle,
            last_progress: now,
        }
    }
}

/// Called when the inner I/O is pending: an error once the connection has been idle too long.
/// The timer is only moved when it fires, not on every byte, to keep reads and writes cheap.
fn expired(
    mut sleep: Pin<&mut Sleep>,
    last_progress: Instant,
    idle: Duration,
    cx: &mut Context<'_>,
) -> bool {
    while sleep.as_mut().poll(cx).is_ready() {
        let deadline = last_progress + idle;
        if deadline <= Instant::now() {
            return true;
        }
        sleep.as_mut().reset(deadline);
    }
    false
}

fn timed_out<T>() -> Poll<io::Result<T>> {
    Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "connection idle too long")))
}

impl<T: AsyncRead> AsyncRead for IdleTimeout<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        match this.inner.poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    *this.last_progress = Instant::now();
                }
                Poll::Ready(result)
            }
            Poll::Pending if expired(this.sleep.as_mut(), *this.last_progress, *this.idle, cx) => {
                timed_out()
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncWrite> AsyncWrite for IdleTimeout<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let polled = this.inner.poll_write(cx, buf);
        after_write(polled, this.sleep.as_mut(), this.last_progress, *this.idle, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let polled = this.inner.poll_write_vectored(cx, bufs);
        after_write(polled, this.sleep.as_mut(), this.last_progress, *this.idle, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.project();
        match this.inner.poll_flush(cx) {
            Poll::Pending if expired(this.sleep.as_mut(), *this.last_progress, *this.idle, cx) => {
                timed_out()
            }
            polled => polled,
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

fn after_write(
    polled: Poll<io::Result<usize>>,
    sleep: Pin<&mut Sleep>,
    last_progress: &mut Instant,
    idle: Duration,
    cx: &mut Context<'_>,
) -> Poll<io::Result<usize>> {
    match polled {
        Poll::Ready(Ok(written)) if written > 0 => {
            *last_progress = Instant::now();
            Poll::Ready(Ok(written))
        }
        Poll::Pending if expired(sleep, *last_progress, idle, cx) => timed_out(),
        polled => polled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_silent_peer_times_out_and_a_talking_one_does_not() {
        let (client, server) = tokio::io::duplex(64);
        let mut server = IdleTimeout::new(server, Duration::from_millis(300));
        let mut client = client;
        let mut byte = [0u8; 1];
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            client.write_all(b"x").await.expect("write");
            server.read_exact(&mut byte).await.expect("a byte every 200 ms keeps it open");
        }
        let error = server.read_exact(&mut byte).await.expect_err("then silence");
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    }
}
