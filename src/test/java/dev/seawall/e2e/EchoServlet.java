package dev.seawall.e2e;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/** The application behind Seawall in the end-to-end suite: answers 200 with a tiny JSON body. */
public class EchoServlet extends HttpServlet {

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("application/json");
        String user = req.getUserPrincipal() == null ? null : req.getUserPrincipal().getName();
        resp.getWriter().write("{\"path\":\"" + req.getRequestURI().replaceAll("[^A-Za-z0-9/._-]", "?")
                + "\",\"user\":" + (user == null ? "null" : "\"" + user + "\"") + "}");
    }
}
