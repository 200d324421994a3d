import http.server, socket, socketserver, threading, sys

class Page(http.server.BaseHTTPRequestHandler):
    server_version = "SimpleHTTP/0.6"
    def do_GET(self):
        body = (b'<html><head><meta name="generator" content="TigrPress 1.0">'
                b'<title>tigr test page</title></head><body>hi</body></html>')
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Set-Cookie", "PHPSESSID=abc123; Path=/")
        self.send_header("X-Tigr", "caf\u00e9".encode("utf-8").decode("latin-1"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Set-Cookie", "PHPSESSID=abc123; Path=/")
        self.send_header("X-Tigr", "caf\u00e9".encode("utf-8").decode("latin-1"))
        self.end_headers()
    def log_message(self, *a):
        pass

class Moved(Page):
    # Version detection sees the page; NSE scripts (which say who they are) get a redirect off-site.
    def do_GET(self):
        if "Nmap Scripting Engine" not in self.headers.get("User-Agent", ""):
            return Page.do_GET(self)
        self.send_response(301)
        self.send_header("Location", "http://example.com/moved")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def do_HEAD(self):
        if "Nmap Scripting Engine" not in self.headers.get("User-Agent", ""):
            return Page.do_HEAD(self)
        return self.do_GET()

class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

def banner():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 40021)); s.listen(16)
    while True:
        c, _ = s.accept()
        try:
            c.sendall("220 tigr caf\u00e9\tready\r\n".encode("utf-8"))
            c.settimeout(8)
            try:
                c.recv(1024)
            except Exception:
                pass
        finally:
            c.close()

threading.Thread(target=banner, daemon=True).start()
threading.Thread(target=Server(("127.0.0.1", 40081), Moved).serve_forever, daemon=True).start()
Server(("127.0.0.1", 40080), Page).serve_forever()
